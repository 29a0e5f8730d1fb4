using System.IO.MemoryMappedFiles;
using System.Security.Cryptography;

namespace DistNet.Cluster.Channel;

/// <summary>
/// The memory a vector channel shares when both ends are on one host: a file in /dev/shm that the
/// ps creates and the worker maps, holding one <see cref="SharedRing"/> each way. Vectors are copied
/// into the ring and only a reference goes over the socket, which still carries everything else and
/// orders it; a vector costs two copies instead of a trip through the kernel's TCP stack.
/// </summary>
/// <remarks>
/// The file is 0600 and is deleted as soon as the worker has mapped it (or declined), so nothing is
/// left behind if a process dies; the mapping lives on until both ends close. A worker uses the file
/// only if it finds in it the random nonce the ps offered over the socket: an address that merely
/// looks local (another container, another /dev/shm) fails the check and the channel stays on TCP.
/// </remarks>
internal sealed unsafe class SharedMemory : IDisposable
{
    public const int NonceBytes = 16;
    /// <summary>The sizes a ring may have, whether set here or offered by a ps.</summary>
    public const long MinRingBytes = 64 << 10, MaxRingBytes = 1L << 30;
    private const string Folder = "/dev/shm";
    // The header: the nonce, then each ring's read position on a cache line of its own.
    private const long NonceAt = 0, HeadAt0 = 64, HeadAt1 = 128, Header = 4096;

    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private bool _disposed;

    /// <summary>ps → worker.</summary>
    public SharedRing ToWorker { get; }

    /// <summary>worker → ps.</summary>
    public SharedRing ToServer { get; }

    /// <summary>Maps <paramref name="file"/> (which it then owns) as two rings of <paramref name="ringBytes"/>.</summary>
    private SharedMemory(FileStream file, long ringBytes)
    {
        _file = MemoryMappedFile.CreateFromFile(file, null, 0, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: false);
        _view = _file.CreateViewAccessor(0, FileBytes(ringBytes));
        byte* p = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        _base = p + _view.PointerOffset;
        ToWorker = new SharedRing((long*)(_base + HeadAt0), _base + Header, ringBytes);
        ToServer = new SharedRing((long*)(_base + HeadAt1), _base + Header + ringBytes, ringBytes);
    }

    private static long FileBytes(long ringBytes) => Header + 2 * ringBytes;

    /// <summary>Whether this host has a /dev/shm to share memory through.</summary>
    public static bool Available => OperatingSystem.IsLinux() && Directory.Exists(Folder);

    /// <summary>ps side: a fresh file with a fresh nonce in it. The caller deletes <paramref name="path"/> once the worker has answered.</summary>
    public static SharedMemory Create(long ringBytes, out string path, out byte[] nonce)
    {
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("shared memory for the vector channel needs Linux's /dev/shm");
        path = Path.Combine(Folder, $"distnet-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}");
        var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            // Reserved now (fallocate), or an IOException now: a tmpfs page that cannot be had when
            // first written would kill the process with SIGBUS (a container's /dev/shm is often 64 MB).
            PreallocationSize = FileBytes(ringBytes),
        });
        try
        {
            stream.SetLength(FileBytes(ringBytes));
            var shared = new SharedMemory(stream, ringBytes);
            nonce = RandomNumberGenerator.GetBytes(NonceBytes);
            nonce.CopyTo(new Span<byte>(shared._base + NonceAt, NonceBytes));
            return shared;
        }
        catch
        {
            stream.Dispose();
            File.Delete(path);
            throw;
        }
    }

    /// <summary>
    /// Worker side: maps the ps's file if it is there, of the size offered, with the nonce offered in it;
    /// null otherwise (another host after all, or no /dev/shm here), and the channel stays on TCP.
    /// </summary>
    public static SharedMemory? Open(string name, long ringBytes, ReadOnlySpan<byte> nonce)
    {
        // Only a plain name in /dev/shm: the path comes from the network.
        if (!Available || name != Path.GetFileName(name) || !name.StartsWith("distnet-", StringComparison.Ordinal)) return null;
        var path = Path.Combine(Folder, name);
        SharedMemory? shared = null;
        try
        {
            var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
            if (stream.Length != FileBytes(ringBytes)) { stream.Dispose(); return null; }
            shared = new SharedMemory(stream, ringBytes);
            if (new ReadOnlySpan<byte>(shared._base + NonceAt, NonceBytes).SequenceEqual(nonce)) return shared;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        shared?.Dispose();
        return null;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}

/// <summary>
/// One direction of <see cref="SharedMemory"/>: a single-producer, single-consumer ring of bytes.
/// The writer appends where it left off; the reader copies out in the same order, at the position the
/// frame names (a check that both ends agree), and then publishes how far it has read, which is all
/// the writer needs to know what it may overwrite. The socket orders the rest: a reference is
/// written after its bytes, so the reader never looks before they are there.
/// </summary>
internal sealed unsafe class SharedRing(long* head, byte* data, long capacity)
{
    private long _written;   // the writer's position
    private long _read;      // the reader's position (published through head)

    /// <summary>Copies <paramref name="bytes"/> in if they fit beside what the reader has not taken yet.</summary>
    /// <returns>The position to name in the frame, or −1 when there is no room (the bytes then travel inline).</returns>
    public long TryWrite(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > capacity - (_written - Volatile.Read(ref *head))) return -1;
        long at = _written;
        int start = (int)(at % capacity), first = (int)Math.Min(bytes.Length, capacity - start);
        bytes[..first].CopyTo(new Span<byte>(data + start, first));
        bytes[first..].CopyTo(new Span<byte>(data, bytes.Length - first));
        _written += bytes.Length;
        return at;
    }

    /// <summary>Copies the bytes the writer put at <paramref name="position"/> into <paramref name="into"/>, then frees them.</summary>
    /// <exception cref="ChannelException">The position is not where this end's reading stands, or the span cannot have fitted.</exception>
    public void Read(long position, Span<byte> into)
    {
        if (position != _read) throw new ChannelException($"shared memory out of step: a frame names byte {position}, the ring is at {_read}");
        if (into.Length > capacity) throw new ChannelException($"a shared-memory span of {into.Length} bytes in a ring of {capacity}");
        int start = (int)(position % capacity), first = (int)Math.Min(into.Length, capacity - start);
        new ReadOnlySpan<byte>(data + start, first).CopyTo(into);
        new ReadOnlySpan<byte>(data, into.Length - first).CopyTo(into[first..]);
        _read += into.Length;
        Volatile.Write(ref *head, _read);
    }
}
