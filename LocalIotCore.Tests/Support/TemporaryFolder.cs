namespace LocalIotCore.Tests.Support;

/// <summary>A fresh folder under the temporary directory, deleted (with its SQLite files) on dispose.</summary>
internal sealed class TemporaryFolder : IDisposable
{
    public TemporaryFolder(string purpose) => Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), purpose + "-" + Guid.NewGuid().ToString("N"));

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
