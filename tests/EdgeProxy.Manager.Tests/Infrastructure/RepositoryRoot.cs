namespace EdgeProxy.Manager.Tests.Infrastructure;

/// <summary>The checkout the tests run from: the nearest folder above the test binaries holding EdgeProxy.sln.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        for (var i = 0; i < 12 && folder is not null; i++, folder = folder.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(folder.FullName, "EdgeProxy.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("EdgeProxy.sln not found above " + AppContext.BaseDirectory);
    }
}
