using Crowd.Contracts.Tasks;
using Crowd.Slicing.Domain;

namespace Crowd.Services.Tests.Slicing;

public sealed class SlicerTests
{
    [Test]
    public void Cut_PerItem_IsOneWholeTask()
    {
        var cuts = Slicer.Cut(new SlicingSpec { Mode = Slicer.PerItem }, 120, 512, 512);
        Assert.That(cuts, Is.EqualTo(new[] { new TaskCut(null, null) }));
    }

    [Test]
    public void Cut_SliceWindow_CoversTheSeriesAndClipsTheLastWindow()
    {
        // API.md: tasks cover slices [s, s + window), the last window clipped to sliceCount.
        var cuts = Slicer.Cut(new SlicingSpec { Mode = Slicer.SliceWindow, Window = 40, Stride = 40 }, 110, null, null);
        Assert.That(cuts.Select(c => c.Slice), Is.EqualTo(new[] { new SliceRange(0, 40), new SliceRange(40, 80), new SliceRange(80, 110) }));
    }

    [Test]
    public void Cut_OverlappingWindows_StepByStride()
    {
        var cuts = Slicer.Cut(new SlicingSpec { Mode = Slicer.SliceWindow, Window = 10, Stride = 5 }, 20, null, null);
        Assert.That(cuts.Select(c => c.Slice), Is.EqualTo(new[] { new SliceRange(0, 10), new SliceRange(5, 15), new SliceRange(10, 20) }));
    }

    [Test]
    public void Cut_Tiles_CoverTheImageWithClippedEdges()
    {
        var cuts = Slicer.Cut(new SlicingSpec { Mode = Slicer.Tiles, TileSize = 256, Overlap = 0 }, null, 600, 300);
        Assert.That(cuts.Select(c => c.Tile), Is.EqualTo(new[]
        {
            new TileRegion(0, 0, 256, 256), new TileRegion(256, 0, 256, 256), new TileRegion(512, 0, 88, 256),
            new TileRegion(0, 256, 256, 44), new TileRegion(256, 256, 256, 44), new TileRegion(512, 256, 88, 44),
        }));
    }

    [Test]
    public void Cut_TilesWithOverlap_EveryPixelIsCovered()
    {
        var cuts = Slicer.Cut(new SlicingSpec { Mode = Slicer.Tiles, TileSize = 100, Overlap = 20 }, null, 250, 170);
        for (var y = 0; y < 170; y++)
        {
            for (var x = 0; x < 250; x++)
            {
                Assert.That(cuts.Any(c => x >= c.Tile!.X && x < c.Tile.X + c.Tile.W && y >= c.Tile.Y && y < c.Tile.Y + c.Tile.H), $"({x},{y})");
            }
        }
    }
}
