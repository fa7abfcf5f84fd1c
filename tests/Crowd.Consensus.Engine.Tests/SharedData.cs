namespace Crowd.Consensus.Engine.Tests;

/// <summary>Finds the read-only <c>shared/data</c> folder that sits beside the repository (<c>../shared/data</c> from its root).</summary>
internal static class SharedData
{
    public static string Path(params string[] parts)
    {
        var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "Crowd.sln")))
        {
            dir = dir.Parent;
        }

        if (dir?.Parent is null)
        {
            Assert.Fail("repository root (the folder holding Crowd.sln) not found above the test directory");
        }

        var root = System.IO.Path.Combine([dir!.Parent!.FullName, "shared", "data", .. parts]);
        if (!File.Exists(root) && !Directory.Exists(root))
        {
            Assert.Fail($"shared data not found at {root}; it must sit beside the repository as ../shared/data");
        }

        return root;
    }
}
