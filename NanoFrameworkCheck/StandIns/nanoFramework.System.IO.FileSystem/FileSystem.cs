// Reference-only stand-in for nanoFramework.System.IO.FileSystem 1.1: only the members the ESP32
// host calls. Checked against nanoframework/System.IO.FileSystem: System.IO.FileSystem/File.cs
// (Exists, Delete, Move), FileStream.cs (FileStream(string, FileMode, FileAccess), Length, Read,
// Write, Flush, Dispose), FileMode.cs, FileAccess.cs. In the package FileStream derives from
// System.IO.Stream (nanoFramework.System.IO.Streams); the host calls only the members below.
// Never shipped, never run.
using NanoFrameworkCheck.StandIns;

namespace System.IO
{
    public static class File
    {
        public static bool Exists(string path) => throw StandIn.NotForRuntime();

        public static void Delete(string path) => throw StandIn.NotForRuntime();

        public static void Move(string sourceFileName, string destFileName) => throw StandIn.NotForRuntime();
    }

    public class FileStream : IDisposable
    {
        public FileStream(string path, FileMode mode, FileAccess access)
        {
            throw StandIn.NotForRuntime();
        }

        public long Length => throw StandIn.NotForRuntime();

        public int Read(byte[] buffer, int offset, int count) => throw StandIn.NotForRuntime();

        public void Write(byte[] buffer, int offset, int count) => throw StandIn.NotForRuntime();

        public void Flush() => throw StandIn.NotForRuntime();

        public void Dispose() => throw StandIn.NotForRuntime();
    }

    public enum FileMode
    {
        CreateNew = 1,
        Create = 2,
        Open = 3,
        OpenOrCreate = 4,
        Truncate = 5,
        Append = 6,
    }

    [Flags]
    public enum FileAccess
    {
        Read = 1,
        Write = 2,
        ReadWrite = 3,
    }
}
