namespace Crowd.Consensus.Engine.Tests;

/// <summary>Finds the repository's own <c>data/</c> folder (beside <c>Crowd.sln</c>): nothing outside the checkout is read.</summary>
internal static class RepositoryData
{
    public static string Path(params string[] parts)
    {
        var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "Crowd.sln")))
        {
            dir = dir.Parent;
        }

        if (dir is null)
        {
            Assert.Fail("repository root (the folder holding Crowd.sln) not found above the test directory");
        }

        var path = System.IO.Path.Combine([dir!.FullName, "data", .. parts]);
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            Assert.Fail($"test data not found at {path}; it belongs in the repository's data/ folder");
        }

        return path;
    }
}
