using DistNet.Cluster.Channel;

namespace DistNet.Cluster.Tests;

/// <summary>The file a ps shares with a worker on its host, opened twice in one process as the two ends would.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SharedMemoryTests
{
    private const long Ring = 64 << 10;

    [Fact]
    public void The_worker_end_sees_what_the_ps_end_writes_each_way_and_the_file_is_the_users_alone()
    {
        using var ps = SharedMemory.Create(Ring, out var path, out var nonce);
        try
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            using var worker = SharedMemory.Open(Path.GetFileName(path), Ring, nonce);
            Assert.NotNull(worker);

            byte[] task = [.. Enumerable.Range(0, 40_000).Select(i => (byte)(i * 7))];
            long at = ps.ToWorker.TryWrite(task);
            var got = new byte[task.Length];
            worker.ToWorker.Read(at, got);
            Assert.Equal(task, got);

            byte[] answer = [.. Enumerable.Range(0, 30_000).Select(i => (byte)(i * 3))];
            at = worker.ToServer.TryWrite(answer);
            got = new byte[answer.Length];
            ps.ToServer.Read(at, got);
            Assert.Equal(answer, got);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_writer_reuses_space_only_once_the_reader_has_published_it()
    {
        using var ps = SharedMemory.Create(Ring, out var path, out var nonce);
        File.Delete(path);   // the mapping outlives the name, as in use
        var block = new byte[30_000];
        Assert.Equal(0, ps.ToWorker.TryWrite(block));
        Assert.Equal(30_000, ps.ToWorker.TryWrite(block));
        Assert.Equal(-1, ps.ToWorker.TryWrite(block));              // 5,536 bytes left
        Assert.Equal(-1, ps.ToWorker.TryWrite(new byte[Ring + 1])); // never fits
        ps.ToWorker.Read(0, new byte[30_000]);
        Assert.Equal(60_000, ps.ToWorker.TryWrite(block));          // across the ring's end
        var e = Assert.Throws<ChannelException>(() => ps.ToWorker.Read(60_000, new byte[30_000]));
        Assert.Equal("shared memory out of step: a frame names byte 60000, the ring is at 30000", e.Message);
    }

    [Theory]
    [InlineData("wrong nonce")]
    [InlineData("wrong size")]
    [InlineData("../name")]
    [InlineData("not ours")]
    [InlineData("gone")]
    public void A_worker_maps_only_the_file_offered_and_otherwise_stays_on_TCP(string offer)
    {
        using var ps = SharedMemory.Create(Ring, out var path, out var nonce);
        // The same bytes under a name that is not DistNet's: only the name keeps a worker out of it.
        string other = Path.Combine(Path.GetDirectoryName(path)!, "other-" + Guid.NewGuid().ToString("N"));
        try
        {
            string name = Path.GetFileName(path);
            File.Copy(path, other);
            if (offer == "gone") File.Delete(path);
            var opened = offer switch
            {
                "wrong nonce" => SharedMemory.Open(name, Ring, new byte[SharedMemory.NonceBytes]),
                "wrong size" => SharedMemory.Open(name, 2 * Ring, nonce),
                "../name" => SharedMemory.Open("../shm/" + name, Ring, nonce),
                "not ours" => SharedMemory.Open(Path.GetFileName(other), Ring, nonce),
                _ => SharedMemory.Open(name, Ring, nonce),
            };
            Assert.Null(opened);
        }
        finally
        {
            File.Delete(path);
            File.Delete(other);
        }
    }
}
