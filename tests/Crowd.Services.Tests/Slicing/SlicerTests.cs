using Crowd.Contracts.Tasks;
using Crowd.Slicing.Domain;

namespace Crowd.Services.Tests.Slicing;

public sealed class SlicerTests
{
    [Test]
    public void Cut_PerItem_IsOneWholeTask()
    {
        var cuts = Slicer.Cut(new PerItemSlicing(), 120, 512, 512);
        Assert.That(cuts, Is.EqualTo(new[] { new TaskCut(null, null) }));
    }

    [Test]
    public void Cut_SliceWindow_CoversTheSeriesAndClipsTheLastWindow()
    {
        // API.md: tasks cover slices [s, s + window), the last window clipped to sliceCount.
        var cuts = Slicer.Cut(new SliceWindowSlicing(40, 40), 110, null, null);
        Assert.That(cuts.Select(c => c.Slice), Is.EqualTo(new[] { new SliceRange(0, 40), new SliceRange(40, 80), new SliceRange(80, 110) }));
    }

    [Test]
    public void Cut_OverlappingWindows_StepByStride()
    {
        var cuts = Slicer.Cut(new SliceWindowSlicing(10, 5), 20, null, null);
        Assert.That(cuts.Select(c => c.Slice), Is.EqualTo(new[] { new SliceRange(0, 10), new SliceRange(5, 15), new SliceRange(10, 20) }));
    }

    [Test]
    public void Cut_StrideWiderThanTheSeries_NoWindowStartsPastTheEnd()
    {
        var cuts = Slicer.Cut(new SliceWindowSlicing(1, 20), 10, null, null);
        Assert.That(cuts.Select(c => c.Slice), Is.EqualTo(new[] { new SliceRange(0, 1) }));
    }

    [Test]
    public void Cut_Tiles_CoverTheImageWithClippedEdges()
    {
        var cuts = Slicer.Cut(new TileSlicing(256, 0), null, 600, 300);
        Assert.That(cuts.Select(c => c.Tile), Is.EqualTo(new[]
        {
            new TileRegion(0, 0, 256, 256), new TileRegion(256, 0, 256, 256), new TileRegion(512, 0, 88, 256),
            new TileRegion(0, 256, 256, 44), new TileRegion(256, 256, 256, 44), new TileRegion(512, 256, 88, 44),
        }));
    }

    [Test]
    public void Cut_TilesWithOverlap_EveryPixelIsCovered()
    {
        var cuts = Slicer.Cut(new TileSlicing(100, 20), null, 250, 170).ToList();
        for (var y = 0; y < 170; y++)
        {
            for (var x = 0; x < 250; x++)
            {
                Assert.That(cuts.Any(c => x >= c.Tile!.X && x < c.Tile.X + c.Tile.W && y >= c.Tile.Y && y < c.Tile.Y + c.Tile.H), $"({x},{y})");
            }
        }
    }

    [Test]
    public void Count_SliceWindow_IsWhatCutYields_ForEverySmallCase()
    {
        // Exhaustive over small series, windows and strides (narrower, equal and wider than the window).
        for (var slices = 1; slices <= 30; slices++)
        {
            for (var window = 1; window <= 12; window++)
            {
                for (var stride = 1; stride <= 12; stride++)
                {
                    var plan = new SliceWindowSlicing(window, stride);
                    var cuts = Slicer.Cut(plan, slices, null, null).ToList();
                    Assert.That(Slicer.Count(plan, slices, null, null), Is.EqualTo(cuts.Count), $"{slices} slices, window {window}, stride {stride}");
                    Assert.That(cuts.All(c => c.Slice!.From < c.Slice.To && c.Slice.To <= slices), Is.True);
                }
            }
        }
    }

    [Test]
    public void Count_Tiles_IsWhatCutYields_ForEverySmallCase()
    {
        for (var width = 1; width <= 40; width += 3)
        {
            for (var height = 1; height <= 40; height += 7)
            {
                for (var tile = 1; tile <= 12; tile++)
                {
                    for (var overlap = 0; overlap < tile; overlap += 2)
                    {
                        var plan = new TileSlicing(tile, overlap);
                        Assert.That(Slicer.Count(plan, null, width, height), Is.EqualTo(Slicer.Cut(plan, null, width, height).Count()),
                            $"{width}×{height}, tile {tile}, overlap {overlap}");
                    }
                }
            }
        }
    }

    [Test]
    public void Count_MaxSliceCountWithWindowOne_IsIntMaxValueWithoutCuttingOne() =>
        Assert.That(Slicer.Count(new SliceWindowSlicing(1, 1), int.MaxValue, null, null), Is.EqualTo(int.MaxValue));

    [Test]
    public void Count_LargestTileGrid_DoesNotOverflow()
    {
        // 2^31 - 1 pixels a side with 1-pixel tiles: (2^31 - 1)^2 tiles, beyond an int, within a long.
        var plan = new TileSlicing(1, 0);
        Assert.That(Slicer.Count(plan, null, int.MaxValue, int.MaxValue), Is.EqualTo((long)int.MaxValue * int.MaxValue));
        Assert.That(Slicer.Grid(int.MaxValue, 1, plan), Is.EqualTo(((long)int.MaxValue, 1L)));
    }

    [Test]
    public void Cut_HugeSeries_IsLazy()
    {
        // Taking three windows of a 2^31 - 1 slice series makes three, not two billion.
        var first = Slicer.Cut(new SliceWindowSlicing(1, 1), int.MaxValue, null, null).Take(3).Select(c => c.Slice);
        Assert.That(first, Is.EqualTo(new[] { new SliceRange(0, 1), new SliceRange(1, 2), new SliceRange(2, 3) }));
    }

    [Test]
    public void Cut_LastWindowOfTheLargestSeries_DoesNotWrap()
    {
        var last = Slicer.Cut(new SliceWindowSlicing(10_000, 10_000), int.MaxValue, null, null).Last();
        Assert.That(last.Slice, Is.EqualTo(new SliceRange(int.MaxValue - int.MaxValue % 10_000, int.MaxValue)));
    }
}
