using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.Serialization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using DistNet.Cluster.Serialization;
using DistNet.Training.Telemetry;
using DistNet.Training.Workers;

namespace DistNet.Cluster.Channel;

/// <summary>A vector channel could not be opened, was refused, or received something that is not a frame.</summary>
public sealed class ChannelException(string message) : Exception(message);

/// <summary>To the actor owning a connection, from its reader thread: the connection ended, and why.</summary>
public sealed record ChannelClosed(string Reason);

/// <summary>What a worker says when it opens its channel: who it is, for the ps's logs and membership.</summary>
public sealed record ChannelHello(int WorkerId, string NodeAddress);

/// <summary>
/// One connection of the vector channel between a worker and the ps: plain TCP, or TLS with the
/// cluster's pinned certificate. Frames go out on the owning actor's thread and come in on a
/// thread of the connection's own, so decoding never waits for an actor and an actor never waits
/// for the network longer than its write.
/// </summary>
/// <remarks>
/// The wire format (docs/cluster.md, "The vector channel"), all little-endian:
/// <list type="bullet">
/// <item>hello, worker → ps: "DNVC", version 2, the job's 32-byte token, the worker id (int32), the node's
/// Akka address (int16 length + UTF-8); the ps answers one byte, 1 = accepted, or closes the connection;</item>
/// <item>the ps's offer of shared memory: 0 = none, or 1, the name of a file in /dev/shm (length byte +
/// ASCII), the ring size (int64) and a 16-byte nonce that is also in the file; the worker answers 1 if it
/// mapped that file and found the nonce, 0 otherwise (<see cref="SharedMemory"/>);</item>
/// <item>then frames both ways: length of the rest (int32), manifest (length byte + ASCII), the
/// <see cref="VectorCodec"/> body, and the nanoseconds the sender spent writing the body (int64).
/// With shared memory, each block of the body of 16 KiB or more (a vector) is preceded by a byte:
/// 0 and the block follows, or 1 and the block's position in the ring (int64), where it was copied
/// instead; the length still counts the block.</item>
/// </list>
/// A frame longer than the limit, an unknown manifest or a body that does not parse closes the
/// connection: after a bad frame the next one cannot be found reliably.
/// <para>
/// Every operation on the socket is synchronous, connecting and the TLS handshake included. On
/// Linux, .NET turns a socket non-blocking for good once anything asynchronous touched it, and
/// from then on every blocking read or write that has to wait goes through its epoll thread and
/// wakes the caller from there: one more thread woken per frame, which cost a ps and 2 worker
/// processes 5–12 % of their throughput here (docs/benchmarks.md, "Blocking sockets").
/// </para>
/// </remarks>
public sealed class ChannelConnection : IDisposable
{
    public const int TokenBytes = 32;
    private static readonly byte[] Magic = "DNVC"u8.ToArray();
    private const byte Version = 2, Accepted = 1, MaxManifest = 8;
    private const int MaxAddress = 1024, BufferBytes = 64 * 1024;

    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly BufferedStream _in, _out;
    private readonly int _maxFrame;
    private SharedMemory? _shared;
    private SharedRing? _sendRing, _receiveRing;
    // Who may be inside the shared memory: the connection until disposed, its reader thread, a send.
    // Unmapping it under a copy would crash the process, so the last one out unmaps it.
    private int _sharedHolds = 1;
    private volatile bool _disposed;

    public string Peer { get; }

    /// <summary>For tests: the socket, to check how the operating system sees it.</summary>
    internal Socket Socket => _socket;

    /// <summary>Whether the peer is on this host: it connected over loopback, or from this end's own address.</summary>
    public bool PeerOnThisHost { get; }

    /// <summary>Whether vectors go through memory shared with the peer (<see cref="SharedMemory"/>) rather than the socket.</summary>
    public bool SharesMemory => _shared is not null;

    /// <summary>For tests: bytes this end sent through shared memory.</summary>
    internal long SharedBytesSent { get; private set; }

    /// <summary>The core the reading thread was kept on, −1 for none (or not yet started).</summary>
    internal int ReaderCore { get; private set; } = -1;

    /// <summary>For tests: the file the ps offered (deleted once the worker answered), null when it offered none.</summary>
    internal string? OfferedFile { get; private set; }

    private ChannelConnection(Socket socket, Stream stream, int maxFrame, string peer)
    {
        (_socket, _stream, _maxFrame, Peer) = (socket, stream, maxFrame, peer);
        PeerOnThisHost = socket.RemoteEndPoint is IPEndPoint remote && socket.LocalEndPoint is IPEndPoint local
            && (IPAddress.IsLoopback(Plain(remote.Address)) || Plain(remote.Address).Equals(Plain(local.Address)));
        _in = new BufferedStream(stream, BufferBytes);
        _out = new BufferedStream(stream, BufferBytes);
    }

    /// <summary>An IPv4 address as itself, not mapped into IPv6 by a dual-stack socket.</summary>
    private static IPAddress Plain(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>Worker side: connects, secures, says hello and waits for the ps to accept.</summary>
    public static ChannelConnection Connect(ChannelEndpoint endpoint, ChannelHello hello, ChannelSettings settings)
    {
        string peer = $"{endpoint.Host}:{endpoint.Port}";
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        return Handshake(socket, settings, $"cannot open the vector channel to {peer}", () =>
        {
            socket.Connect(endpoint.Host, endpoint.Port);
            var connection = new ChannelConnection(socket, Secure(socket, settings, endpoint.Host), settings.MaxFrameBytes, peer);
            connection.WriteHello(endpoint.Token, hello);
            if (connection._in.ReadByte() != Accepted) throw new ChannelException("the parameter server refused it");
            connection.AnswerSharedMemoryOffer(settings.SharedMemory);
            return connection;
        });
    }

    /// <summary>ps side: secures an accepted socket and checks the worker's hello (its token above all).</summary>
    public static (ChannelConnection Connection, ChannelHello Hello) Accept(Socket socket, byte[] token, ChannelSettings settings)
    {
        string peer = socket.RemoteEndPoint?.ToString() ?? "?";
        socket.NoDelay = true;
        return Handshake(socket, settings, $"refused a vector channel from {peer}", () =>
        {
            var connection = new ChannelConnection(socket, Secure(socket, settings, null), settings.MaxFrameBytes, peer);
            var hello = connection.ReadHello(token);
            connection._out.WriteByte(Accepted);
            connection.OfferSharedMemory(settings.SharedMemory && connection.PeerOnThisHost && SharedMemory.Available ? settings.SharedRingBytes : 0);
            return (connection, hello);
        });
    }

    /// <summary>
    /// Runs one end's opening steps under the handshake timeout: it bounds each read, and a deadline
    /// the whole (a peer trickling bytes), closing the socket, which ends a blocked connect, read or
    /// TLS handshake. Any failure closes the socket and becomes one <see cref="ChannelException"/>.
    /// </summary>
    private static T Handshake<T>(Socket socket, ChannelSettings settings, string failure, Func<T> steps)
    {
        using var deadline = new CancellationTokenSource(settings.HandshakeTimeout);
        try
        {
            socket.ReceiveTimeout = (int)settings.HandshakeTimeout.TotalMilliseconds;
            socket.SendTimeout = (int)settings.SendTimeout.TotalMilliseconds;
            T opened;
            using (deadline.Token.Register(socket.Dispose)) opened = steps();
            if (deadline.IsCancellationRequested) throw new OperationCanceledException();
            socket.ReceiveTimeout = 0;
            return opened;
        }
        catch (Exception e) when (e is SocketException or IOException or AuthenticationFailure or OperationCanceledException or ChannelException or ObjectDisposedException)
        {
            socket.Dispose();
            throw new ChannelException($"{failure}: {(deadline.IsCancellationRequested ? "timed out" : Describe(e))}");
        }
    }

    /// <summary>Writes one message as a frame (on the calling actor's thread). Throws IOException when the peer is gone.</summary>
    public void Send(object message)
    {
        string manifest = VectorCodec.ManifestOf(message) ?? throw new ArgumentException($"the vector channel cannot carry {message.GetType().Name}");
        if (!HoldShared()) throw new ObjectDisposedException(nameof(ChannelConnection));
        try { Write(message, manifest); }
        finally { ReleaseShared(); }
    }

    private void Write(object message, string manifest)
    {
        long length = 1 + manifest.Length + VectorCodec.Size(message) + 8;
        if (length > _maxFrame)
            throw new ChannelException($"a {message.GetType().Name} of {length} bytes exceeds the frame limit of {_maxFrame} bytes (akka.remote.dot-netty.tcp.maximum-frame-size)");
        var w = new StreamVectorWriter(_out, _sendRing);
        w.Int((int)length);
        w.Byte((byte)manifest.Length);
        foreach (char c in manifest) w.Byte((byte)c);
        long start = Clock.Now;
        VectorCodec.Write(message, w);
        if (w.Written != 4 + length - 8) throw new InvalidOperationException("size computed wrongly");
        w.Long(Clock.Ns(start, Clock.Now));
        _out.Flush();
        SharedBytesSent += w.Shared;
    }

    /// <summary>
    /// Reads frames on a thread of its own until the connection ends, handing each message to
    /// <paramref name="onMessage"/>; then reports why it ended, once.
    /// </summary>
    /// <param name="poll">
    /// How long to poll the socket for the next frame, once <paramref name="onMessage"/> returned,
    /// before blocking in the kernel: on a VM, a thread that sleeps may wait for its virtual CPU to
    /// wake. (Bytes of the next frame already buffered here are read after the poll has run out.)
    /// </param>
    /// <param name="core">A core to keep the reading thread on (<see cref="CorePairing"/>), or −1.</param>
    public void StartReading(Action<object> onMessage, Action<string> onClosed, TimeSpan poll = default, int core = -1)
    {
        long pollTicks = (long)(poll.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        bool held = HoldShared();
        var thread = new Thread(() =>
        {
            string reason;
            if (!held)
            {
                onClosed("closed");
                return;
            }
            if (core >= 0) ReaderCore = CorePairing.PinThisThread(core) ? core : -1;
            try
            {
                while (true)
                {
                    if (pollTicks > 0) PollForData(pollTicks);
                    if (ReadFrame() is not { } message) break;
                    onMessage(message);
                }
                reason = "closed by the peer";
            }
            catch (Exception e) when (e is IOException or SocketException or SerializationException or ChannelException or ObjectDisposedException)
            {
                reason = _disposed ? "closed" : Describe(e);
            }
            finally
            {
                ReleaseShared();
            }
            onClosed(reason);
        })
        { IsBackground = true, Name = $"vector channel {Peer}" };
        thread.Start();
    }

    private void PollForData(long ticks)
    {
        long until = Clock.Now + ticks;
        var spinner = new SpinWait();
        // sleep1Threshold −1: spin and yield, never sleep; the kernel's wait follows anyway.
        while (_socket.Available == 0 && Clock.Now < until) spinner.SpinOnce(sleep1Threshold: -1);
    }

    /// <summary>The next message, or null when the peer closed the connection between frames.</summary>
    private object? ReadFrame()
    {
        Span<byte> head = stackalloc byte[4];
        int got = _in.ReadAtLeast(head, 4, throwOnEndOfStream: false);
        if (got == 0) return null;
        if (got < 4) throw new ChannelException("connection cut inside a frame header");
        long start = Clock.Now;
        int length = BitConverter.ToInt32(head);
        if (length < 1 + 1 + 8 || length > _maxFrame)
            throw new ChannelException($"a frame announces {length} bytes (limit {_maxFrame}): not a vector channel frame");
        int manifestLength = _in.ReadByte();
        if (manifestLength is < 1 or > MaxManifest) throw new ChannelException($"a frame announces a manifest of {manifestLength} bytes");
        Span<byte> manifestBytes = stackalloc byte[manifestLength];
        _in.ReadExactly(manifestBytes);
        string manifest = Encoding.ASCII.GetString(manifestBytes);
        var reader = new StreamVectorReader(_in, length - 1 - manifestLength - 8, manifest, _receiveRing);
        var message = VectorCodec.Read(reader, manifest);
        Span<byte> trailer = stackalloc byte[8];
        _in.ReadExactly(trailer);
        var wire = new WireInfo(4 + length, BitConverter.ToInt64(trailer), Clock.Ns(start, Clock.Now));
        return VectorCodec.WithWire(message, wire);
    }

    private void WriteHello(byte[] token, ChannelHello hello)
    {
        var address = Encoding.UTF8.GetBytes(hello.NodeAddress);
        if (token.Length != TokenBytes || address.Length > MaxAddress) throw new ArgumentException("malformed hello");
        _out.Write(Magic);
        _out.WriteByte(Version);
        _out.Write(token);
        var w = new StreamVectorWriter(_out);
        w.Int(hello.WorkerId);
        w.Int(address.Length);
        _out.Write(address);
        _out.Flush();
    }

    private ChannelHello ReadHello(byte[] token)
    {
        Span<byte> magic = stackalloc byte[4];
        _in.ReadExactly(magic);
        if (!magic.SequenceEqual(Magic)) throw new ChannelException("not a DistNet vector channel (bad magic)");
        int version = _in.ReadByte();
        if (version != Version) throw new ChannelException($"vector channel version {version}, expected {Version}");
        Span<byte> presented = stackalloc byte[TokenBytes];
        _in.ReadExactly(presented);
        if (!CryptographicOperations.FixedTimeEquals(presented, token)) throw new ChannelException("wrong job token");
        var r = new StreamVectorReader(_in, 8, "hello");
        int workerId = r.Int(), addressLength = r.Int();
        if (addressLength is < 0 or > MaxAddress) throw new ChannelException($"hello announces an address of {addressLength} bytes");
        var address = new byte[addressLength];
        _in.ReadExactly(address);
        return new ChannelHello(workerId, Encoding.UTF8.GetString(address));
    }

    /// <summary>
    /// ps side: offers a fresh shared file when <paramref name="ringBytes"/> &gt; 0 (and none otherwise)
    /// and takes the worker's answer. The file is deleted whatever the answer: both ends that mapped it keep it.
    /// </summary>
    private void OfferSharedMemory(long ringBytes)
    {
        SharedMemory? shared = null;
        string path = "";
        byte[] nonce = [];
        // A /dev/shm that is full or not writable here only means TCP.
        try { if (ringBytes > 0) shared = SharedMemory.Create(ringBytes, out path, out nonce); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        if (shared is null)
        {
            _out.WriteByte(0);
            _out.Flush();
            return;
        }
        OfferedFile = path;
        try
        {
            var name = Encoding.ASCII.GetBytes(Path.GetFileName(path));
            _out.WriteByte(1);
            _out.WriteByte((byte)name.Length);
            _out.Write(name);
            new StreamVectorWriter(_out).Long(ringBytes);
            _out.Write(nonce);
            _out.Flush();
            int answer = _in.ReadByte();
            if (answer == 1) (_shared, _sendRing, _receiveRing, shared) = (shared, shared.ToWorker, shared.ToServer, null);
            else if (answer != 0) throw new ChannelException(answer < 0 ? "closed during the handshake" : $"answered the shared-memory offer with {answer}");
        }
        finally
        {
            shared?.Dispose();
            File.Delete(path);
        }
    }

    /// <summary>Worker side: reads the ps's offer, maps the file if allowed and it is here, and says whether it did.</summary>
    private void AnswerSharedMemoryOffer(bool allowed)
    {
        int offer = _in.ReadByte();
        if (offer == 0) return;
        if (offer != 1) throw new ChannelException(offer < 0 ? "closed during the handshake" : $"a shared-memory offer of kind {offer}");
        int nameLength = _in.ReadByte();
        if (nameLength is < 1 or > 64) throw new ChannelException($"a shared-memory offer names a file of {nameLength} bytes");
        var name = new byte[nameLength];
        _in.ReadExactly(name);
        long ringBytes = new StreamVectorReader(_in, 8, "offer").Long();
        if (ringBytes is < SharedMemory.MinRingBytes or > SharedMemory.MaxRingBytes) throw new ChannelException($"a shared-memory offer of {ringBytes} bytes");
        var nonce = new byte[SharedMemory.NonceBytes];
        _in.ReadExactly(nonce);
        var shared = allowed ? SharedMemory.Open(Encoding.ASCII.GetString(name), ringBytes, nonce) : null;
        _out.WriteByte(shared is null ? (byte)0 : (byte)1);
        _out.Flush();
        if (shared is not null) (_shared, _sendRing, _receiveRing) = (shared, shared.ToServer, shared.ToWorker);
    }

    /// <summary>The socket's stream, behind TLS when the node has a certificate: mutual, pinned to that certificate.</summary>
    private static Stream Secure(Socket socket, ChannelSettings settings, string? clientOf)
    {
        var network = new NetworkStream(socket, ownsSocket: true);
        if (settings.Certificate is not { } certificate) return network;
        var ssl = new SslStream(network, leaveInnerStreamOpen: false,
            (_, remote, _, _) => remote is not null && string.Equals(remote.GetCertHashString(), certificate.Thumbprint, StringComparison.OrdinalIgnoreCase),
            (_, _, _, _, _) => certificate);
        try
        {
            if (clientOf is not null)
                ssl.AuthenticateAsClient(new SslClientAuthenticationOptions
                {
                    TargetHost = clientOf,
                    ClientCertificates = [certificate],
                });
            else
                ssl.AuthenticateAsServer(new SslServerAuthenticationOptions
                {
                    ServerCertificate = certificate,
                    ClientCertificateRequired = true,
                });
        }
        catch (System.Security.Authentication.AuthenticationException e)
        {
            throw new AuthenticationFailure($"TLS handshake failed ({e.Message}): the peer has no certificate or a different one");
        }
        return ssl;
    }

    private sealed class AuthenticationFailure(string message) : Exception(message);

    private static string Describe(Exception e) => e switch
    {
        OperationCanceledException => "timed out",
        EndOfStreamException => "connection cut inside a frame",
        _ => e.Message,
    };

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        // The socket first: closing it ends the reader thread's blocking read, and flushing the
        // buffered writer then has nowhere to block. A FIN before the close, so the peer reads an end, not a reset.
        try { _socket.Shutdown(SocketShutdown.Both); } catch (SocketException) { }
        _socket.Dispose();
        try { _out.Dispose(); } catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException) { }
        try { _in.Dispose(); _stream.Dispose(); } catch (Exception e) when (e is IOException or ObjectDisposedException) { }
        ReleaseShared();
    }

    private bool HoldShared()
    {
        while (true)
        {
            int holds = Volatile.Read(ref _sharedHolds);
            if (holds == 0) return false;
            if (Interlocked.CompareExchange(ref _sharedHolds, holds + 1, holds) == holds) return true;
        }
    }

    private void ReleaseShared()
    {
        if (Interlocked.Decrement(ref _sharedHolds) == 0) _shared?.Dispose();
    }
}
