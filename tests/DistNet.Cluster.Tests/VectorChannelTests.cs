using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using DistNet.Cluster.Channel;
using DistNet.Core.Data;
using DistNet.Core.Nn;
using DistNet.Core.Optim;
using DistNet.Core.Training;
using DistNet.Training;
using DistNet.Training.Hosting;
using DistNet.Training.Server;
using DistNet.Training.Telemetry;
using DistNet.Training.Workers;

namespace DistNet.Cluster.Tests;

/// <summary>The vector channel in one process: connections on 127.0.0.1, no cluster.</summary>
public sealed class VectorChannelTests
{
    private static readonly ChannelSettings Plain = ChannelSettings.FromConfig(NodeConfig.Reference) with { HandshakeTimeout = TimeSpan.FromSeconds(5) };

    private static float[] Vector(int n) => Enumerable.Range(0, n).Select(i => MathF.Sin(i) * 1e3f).Append(float.NaN).Append(-0f).ToArray();

    /// <summary>A listening socket, a fresh token, and the endpoint a worker would be told.</summary>
    private sealed class Listening : IDisposable
    {
        public TcpListener Listener { get; }
        public byte[] Token { get; }
        public ChannelEndpoint Endpoint { get; }

        public Listening(ChannelSettings settings)
        {
            (Listener, Token) = ChannelListener.Open("127.0.0.1", settings);
            Endpoint = new ChannelEndpoint("127.0.0.1", ((IPEndPoint)Listener.LocalEndpoint).Port, Token);
        }

        public Task<(ChannelConnection Connection, ChannelHello Hello)> AcceptOne(ChannelSettings settings) =>
            Task.Run(() => ChannelConnection.Accept(Listener.AcceptSocket(), Token, settings));

        public void Dispose() => Listener.Stop();
    }

    /// <summary>Collects what a connection's reader hands over, and why it ended.</summary>
    private sealed class Inbox
    {
        private readonly System.Collections.Concurrent.BlockingCollection<object> _messages = new();
        private readonly TaskCompletionSource<string> _closed = new();

        public Inbox(ChannelConnection connection) => connection.StartReading(_messages.Add, reason => _closed.TrySetResult(reason));

        public object Next() => _messages.TryTake(out var m, TimeSpan.FromSeconds(10)) ? m : throw new TimeoutException("no message");
        public string ClosedBecause() => _closed.Task.Wait(TimeSpan.FromSeconds(10)) ? _closed.Task.Result : throw new TimeoutException("still open");
        public int Count => _messages.Count;
    }

    /// <param name="shared">Both ends on one host with shared memory on (the default), or either end with it off: TCP only.</param>
    [Theory]
    [InlineData("on, on")]
    [InlineData("off at the ps")]
    [InlineData("off at the worker")]
    public async Task Every_message_crosses_exactly_with_its_frame_size_and_times(string shared)
    {
        using var listening = new Listening(Plain);
        var accepting = listening.AcceptOne(Plain with { SharedMemory = shared != "off at the ps" });
        using var worker = ChannelConnection.Connect(listening.Endpoint, new ChannelHello(3, "akka.tcp://distnet@127.0.0.1:1234"),
            Plain with { SharedMemory = shared != "off at the worker" });
        var (server, hello) = await accepting;
        using var _ = server;
        Assert.Equal(shared == "on, on", worker.SharesMemory);
        Assert.Equal(shared == "on, on", server.SharesMemory);
        Assert.Equal(shared != "off at the ps", server.OfferedFile is not null);
        if (server.OfferedFile is { } file) Assert.False(File.Exists(file), "the offered file is still in /dev/shm");
        Assert.Equal(new ChannelHello(3, "akka.tcp://distnet@127.0.0.1:1234"), hello);
        var toWorker = new Inbox(worker);
        var toServer = new Inbox(server);

        var task = new ComputeGradients(7, 42, Vector(20_000), [new ShardTask(0, [5, 1, 9]), new ShardTask(3, [])], 1f / 128, 4);
        server.Send(task);
        var got = (ComputeGradients)toWorker.Next();
        Assert.Equal((task.TaskId, task.Version, task.Scale, task.ShardCount), (got.TaskId, got.Version, got.Scale, got.ShardCount));
        Assert.Equal(task.Parameters.Select(BitConverter.SingleToInt32Bits), got.Parameters.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal([5, 1, 9], got.Shards[0].Samples);
        Assert.Equal(3, got.Shards[1].Shard);
        // The frame: length prefix, manifest, 4 × parameters plus the header fields and indices, the sender's time
        // (the vector counted whether it went through the socket or the shared ring).
        Assert.Equal(4 + 1 + 2 + (8 + 8 + 4 + 4 + 4 + 4 * task.Parameters.Length + 4 + 4 + 4 + 12 + 4 + 4) + 8, got.Wire!.Bytes);
        Assert.Equal(shared == "on, on" ? 4 * task.Parameters.Length : 0, server.SharedBytesSent);
        Assert.True(got.Wire.EncodeNs > 0 && got.Wire.DecodeNs > 0);

        var timings = new TaskTimings(11, -1, 13, 14, 15, 16, 17, 18);
        worker.Send(new RegisterWorker(3));
        worker.Send(new GradientsComputed(7, 42, 3, [new ShardGradient(2, 1, Vector(100), 12.5, 30, 32)]) { Timings = timings });
        worker.Send(new LocalStepsDone(1, 2, 3, Vector(10), 3.5, 6, 7) { Timings = timings });
        Assert.Equal(new RegisterWorker(3), toServer.Next());
        var answer = (GradientsComputed)toServer.Next();
        Assert.Equal((2, 1, 12.5, 30, 32), (answer.Shards[0].Shard, answer.Shards[0].Level, answer.Shards[0].LossSum, answer.Shards[0].Correct, answer.Shards[0].Samples));
        Assert.Equal(Vector(100).Select(BitConverter.SingleToInt32Bits), answer.Shards[0].Gradient.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(timings, answer.Timings);
        var done = (LocalStepsDone)toServer.Next();
        Assert.Equal((3, 3.5, 6, 7), (done.WorkerId, done.LossSum, done.Correct, done.Samples));

        server.Send(new RunLocalSteps(9, 4, Vector(10), [[1, 2], [3]]));
        Assert.Equal([3], ((RunLocalSteps)toWorker.Next()).Batches[1]);

        worker.Dispose();
        Assert.Matches("closed by the peer|reset by peer", toServer.ClosedBecause());
    }

    /// <summary>
    /// With cores paired, a channel's reader runs on the core it was given, as the operating system sees
    /// it (the last core, so that it is not where the thread would have started anyway).
    /// </summary>
    [Fact]
    public async Task A_reader_given_a_core_runs_only_on_that_core()
    {
        using var listening = new Listening(Plain);
        var accepting = listening.AcceptOne(Plain);
        using var worker = ChannelConnection.Connect(listening.Endpoint, new ChannelHello(1, "w"), Plain);
        using var server = (await accepting).Connection;
        int core = Environment.ProcessorCount - 1;
        var allowed = new TaskCompletionSource<string>();
        worker.StartReading(_ => allowed.TrySetResult(File.ReadAllLines("/proc/thread-self/status").Single(l => l.StartsWith("Cpus_allowed_list:"))),
            _ => { }, core: core);
        server.Send(new RegisterWorker(1));
        Assert.Equal($"Cpus_allowed_list:\t{core}", await allowed.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(core, worker.ReaderCore);
    }

    /// <summary>
    /// A ring with no room for the next vector (its reader has not caught up) sends that vector over
    /// the socket instead, and the ring's bytes, read in order, come out exactly, across its end too.
    /// </summary>
    [Fact]
    public async Task A_vector_the_ring_has_no_room_for_goes_over_the_socket_and_every_one_arrives_exactly()
    {
        var small = Plain with { SharedRingBytes = 64 << 10 };
        using var listening = new Listening(small);
        var accepting = listening.AcceptOne(small);
        using var worker = ChannelConnection.Connect(listening.Endpoint, new ChannelHello(1, "w"), small);
        using var server = (await accepting).Connection;
        Assert.True(server.SharesMemory);
        float[] Numbered(int k) => Enumerable.Range(0, 5000).Select(i => i * 1.5f + k).ToArray();   // 20,000 bytes each

        // Nobody reads yet: three fit in 65,536 bytes, the fourth and fifth take the socket.
        for (int k = 0; k < 5; k++) server.Send(new RunLocalSteps(k, 0, Numbered(k), [[1]]));
        Assert.Equal(3 * 20_000, server.SharedBytesSent);
        var inbox = new Inbox(worker);
        for (int k = 0; k < 5; k++)
        {
            var got = (RunLocalSteps)inbox.Next();
            Assert.Equal(k, got.TaskId);
            Assert.Equal(Numbered(k).Select(BitConverter.SingleToInt32Bits), got.Parameters.Select(BitConverter.SingleToInt32Bits));
        }
        // Read, the ring has room again; the next three run over its end (60,000 + 3 × 20,000 > 65,536).
        for (int k = 5; k < 8; k++)
        {
            server.Send(new RunLocalSteps(k, 0, Numbered(k), [[1]]));
            var got = (RunLocalSteps)inbox.Next();
            Assert.Equal(Numbered(k).Select(BitConverter.SingleToInt32Bits), got.Parameters.Select(BitConverter.SingleToInt32Bits));
        }
        Assert.Equal(6 * 20_000, server.SharedBytesSent);
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int fcntl(nint fd, int command);

    /// <summary>Whether the operating system sees the socket as non-blocking (Linux: F_GETFL, O_NONBLOCK).</summary>
    private static bool NonBlocking(Socket socket)
    {
        const int getFlags = 3, nonBlocking = 0x800;
        int flags = fcntl(socket.Handle, getFlags);
        Assert.True(flags >= 0, $"fcntl failed: {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
        return (flags & nonBlocking) != 0;
    }

    /// <summary>
    /// Both ends, as the ps accepts and a worker connects, stay blocking sockets after frames went
    /// both ways: a wait for a frame is a wait in the kernel, not a hop through .NET's epoll thread
    /// (which cost 5–10 % of the cluster's throughput, docs/benchmarks.md). And stopping the listener ends the accepting thread.
    /// </summary>
    [Fact]
    public async Task Both_ends_of_a_channel_wait_in_the_kernel_and_stopping_the_listener_ends_accepting()
    {
        var listening = new Listening(Plain);
        var accepted = new TaskCompletionSource<Socket>();
        var accepting = ChannelListener.StartAccepting(listening.Listener, socket => accepted.TrySetResult(socket));
        var serverSide = Task.Run(async () => ChannelConnection.Accept(await accepted.Task, listening.Token, Plain));
        using var worker = ChannelConnection.Connect(listening.Endpoint, new ChannelHello(1, "w"), Plain);
        using var server = (await serverSide).Connection;
        var toWorker = new Inbox(worker);
        var toServer = new Inbox(server);
        server.Send(new RunLocalSteps(1, 0, Vector(1000), [[1]]));
        Assert.IsType<RunLocalSteps>(toWorker.Next());
        worker.Send(new RegisterWorker(1));
        Assert.IsType<RegisterWorker>(toServer.Next());

        Assert.False(NonBlocking(worker.Socket), "the worker's end is non-blocking");
        Assert.False(NonBlocking(server.Socket), "the ps's end is non-blocking");
        listening.Dispose();
        Assert.True(accepting.Join(TimeSpan.FromSeconds(10)), "the accepting thread still runs after the listener stopped");
    }

    /// <summary>
    /// A ps whose port takes no more connections (its accept queue full, so the kernel drops the
    /// worker's SYN): opening the channel gives up at the handshake timeout, with the reason.
    /// </summary>
    [Fact]
    public async Task Opening_a_channel_to_a_ps_that_never_answers_gives_up_at_the_timeout()
    {
        var settings = Plain with { HandshakeTimeout = TimeSpan.FromMilliseconds(500) };
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start(1);
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var fillers = new List<Socket>();
        try
        {
            // Connections nobody accepts, until one does not complete: the queue is full.
            for (int i = 0; i < 16; i++)
            {
                var filler = new Socket(SocketType.Stream, ProtocolType.Tcp);
                fillers.Add(filler);
                var connecting = filler.ConnectAsync(IPAddress.Loopback, port);
                if (await Task.WhenAny(connecting, Task.Delay(300)) != connecting) break;
            }
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var e = Assert.Throws<ChannelException>(() =>
                ChannelConnection.Connect(new ChannelEndpoint("127.0.0.1", port, new byte[ChannelConnection.TokenBytes]), new ChannelHello(0, "w"), settings));
            Assert.Equal($"cannot open the vector channel to 127.0.0.1:{port}: timed out", e.Message);
            Assert.InRange(clock.Elapsed.TotalSeconds, 0.4, 5);
        }
        finally
        {
            foreach (var filler in fillers) filler.Dispose();
        }
    }

    /// <summary>
    /// The ps's link turns an answer with first-layer factors into a whole gradient (the region the
    /// worker left out is δ₁Xᵀ of the shard's samples, from the ps's own copy of the data); factors
    /// it did not ask for, or that do not fit the data, are malformed and end the connection.
    /// </summary>
    [Fact]
    public void The_link_rebuilds_factored_answers_and_refuses_factors_that_do_not_fit()
    {
        var split = Digits.Value;
        var architecture = Architecture.Create(64, [16], Activation.Sigmoid, 10, Loss.SoftmaxCrossEntropy);
        var model = Mlp.Initialize(architecture, 2);
        int[] samples = [3, 500, 7];
        var batch = new Batch(split.Train).Gather(samples);
        var whole = new float[model.Layout.Count];
        new Backprop(architecture).Gradient(model.Parameters, batch.Inputs, 3, batch.Labels, default, 0.5f, whole);
        var rest = new float[model.Layout.Count];
        var delta = new float[16 * 3];
        new Backprop(architecture).GradientWithoutFirstLayerWeights(model.Parameters, batch.Inputs, 3, batch.Labels, default, 0.5f, rest, delta);
        GradientsComputed Answer(int[] ids, float[] d) => new(1, 1, 4, [new ShardGradient(0, 0, (float[])rest.Clone(), 1, 2, 3)
            { FirstLayer = new FactoredFirstLayer(64 * 16, [new ShardFactors(ids, d)]) }]);

        var rebuilt = (GradientsComputed)WorkerLink.Rebuild(Answer(samples, delta), new FirstLayerGradient(architecture, split.Train));
        Assert.Null(rebuilt.Shards[0].FirstLayer);
        Assert.Equal(whole.Select(BitConverter.SingleToInt32Bits), rebuilt.Shards[0].Gradient.Select(BitConverter.SingleToInt32Bits));

        var notAsked = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => WorkerLink.Rebuild(Answer(samples, delta), null));
        Assert.Contains("did not ask for", notAsked.Message);
        var outside = Assert.Throws<System.Runtime.Serialization.SerializationException>(() =>
            WorkerLink.Rebuild(Answer([3, 500, split.Train.Count], delta), new FirstLayerGradient(architecture, split.Train)));
        Assert.Contains($"malformed first-layer factors: sample {split.Train.Count} is not in the data set", outside.Message);
        var message = new RegisterWorker(4);
        Assert.Same(message, WorkerLink.Rebuild(message, null));
    }

    [Fact]
    public void A_worker_with_the_wrong_token_is_refused_at_the_door()
    {
        using var listening = new Listening(Plain);
        var accepting = listening.AcceptOne(Plain);
        var wrong = listening.Endpoint with { Token = RandomNumberGenerator.GetBytes(ChannelConnection.TokenBytes) };
        var e = Assert.Throws<ChannelException>(() => ChannelConnection.Connect(wrong, new ChannelHello(0, "x"), Plain));
        Assert.Contains($"cannot open the vector channel to 127.0.0.1:{listening.Endpoint.Port}", e.Message);
        var refused = Assert.Throws<ChannelException>(() => accepting.GetAwaiter().GetResult());
        Assert.Contains("wrong job token", refused.Message);
    }

    [Theory]
    [InlineData("not a channel")]
    [InlineData("silent")]
    public void A_stranger_that_does_not_say_hello_properly_is_refused(string stranger)
    {
        var settings = Plain with { HandshakeTimeout = TimeSpan.FromMilliseconds(500) };
        using var listening = new Listening(settings);
        var accepting = listening.AcceptOne(settings);
        using var client = new TcpClient();
        client.Connect(IPAddress.Loopback, listening.Endpoint.Port);
        if (stranger == "not a channel") client.GetStream().Write("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8);
        var e = Assert.Throws<ChannelException>(() => accepting.GetAwaiter().GetResult());
        Assert.Contains(stranger == "silent" ? "refused a vector channel from 127.0.0.1:" : "bad magic", e.Message);
    }

    /// <summary>A correct hello, then whatever bytes a test wants to send as frames.</summary>
    private static (ChannelConnection Server, NetworkStream Raw, TcpClient Client) HelloThenRaw(Listening listening, bool acceptSharedMemory = false)
    {
        var accepting = listening.AcceptOne(Plain);
        var client = new TcpClient { NoDelay = true };
        client.Connect(IPAddress.Loopback, listening.Endpoint.Port);
        var raw = client.GetStream();
        var address = "worker"u8.ToArray();
        raw.Write([.. "DNVC"u8, 2, .. listening.Token, .. BitConverter.GetBytes(5), .. BitConverter.GetBytes(address.Length), .. address]);
        Assert.Equal(1, raw.ReadByte()); // accepted
        Assert.Equal(1, raw.ReadByte()); // shared memory offered (the worker is on loopback): the name, the ring's size, the nonce
        var offer = new byte[raw.ReadByte() + 8 + 16];
        raw.ReadExactly(offer);
        raw.WriteByte((byte)(acceptSharedMemory ? 1 : 0));
        return (accepting.Result.Connection, raw, client);
    }

    [Theory]
    [InlineData("huge length", "not a vector channel frame")]
    [InlineData("unknown manifest", "unknown vector message manifest 'zz'")]
    [InlineData("count beyond the frame", "malformed vector message 'gc'")]
    [InlineData("cut mid-frame", "connection cut inside a frame")]
    [InlineData("vector at the wrong place in the ring", "shared memory out of step: a frame names byte 4096, the ring is at 0")]
    [InlineData("vector marked neither way", "a block marked 7, neither inline (0) nor in shared memory (1)")]
    public void A_malformed_frame_ends_the_connection_with_the_reason_and_delivers_nothing(string damage, string reason)
    {
        using var listening = new Listening(Plain);
        var (server, raw, client) = HelloThenRaw(listening, acceptSharedMemory: damage.StartsWith("vector"));
        using var _ = server;
        using var __ = client;
        var inbox = new Inbox(server);
        byte[] frame = damage switch
        {
            "huge length" => BitConverter.GetBytes(int.MaxValue),
            "unknown manifest" => [.. BitConverter.GetBytes(1 + 2 + 4 + 8), 2, (byte)'z', (byte)'z', 0, 0, 0, 0, .. new byte[8]],
            // A GradientsComputed whose shard count claims a million entries in a 100-byte frame.
            "count beyond the frame" => [.. BitConverter.GetBytes(1 + 2 + 100 + 8), 2, (byte)'g', (byte)'c', .. new byte[8 + 8 + 4 + 64], .. BitConverter.GetBytes(1_000_000), .. new byte[8 + 8]],
            // A RegisterWorker-sized header is not enough here: a LocalStepsDone carries a vector, of 8,192 floats.
            "vector at the wrong place in the ring" => LocalStepsDone(mark: [1, .. BitConverter.GetBytes(4096L)]),
            "vector marked neither way" => LocalStepsDone(mark: [7]),
            _ => [.. BitConverter.GetBytes(1000), 2, (byte)'r', (byte)'w', 1, 2],
        };
        raw.Write(frame);
        if (damage == "cut mid-frame") client.Client.Shutdown(SocketShutdown.Send);
        string closed = inbox.ClosedBecause();
        Assert.Contains(reason, closed);
        Assert.Equal(0, inbox.Count);
    }

    /// <summary>The start of a LocalStepsDone frame whose vector of 8,192 floats is announced with <paramref name="mark"/>.</summary>
    private static byte[] LocalStepsDone(byte[] mark)
    {
        const int floats = 8192;
        int body = 8 + 8 + 4 + 8 + 4 + 4 + 64 + 4 + 4 * floats;
        return [.. BitConverter.GetBytes(1 + 2 + body + 8), 2, (byte)'l', (byte)'d', .. new byte[8 + 8 + 4 + 8 + 4 + 4 + 64], .. BitConverter.GetBytes(floats), .. mark];
    }

    [Fact]
    public async Task With_TLS_the_same_certificate_gets_through_and_another_or_none_does_not()
    {
        using var good = SelfSigned();
        using var other = SelfSigned();
        var tls = Plain with { Certificate = good };

        using (var listening = new Listening(tls))
        {
            var accepting = listening.AcceptOne(tls);
            using var worker = ChannelConnection.Connect(listening.Endpoint, new ChannelHello(1, "w"), tls);
            using var server = (await accepting).Connection;
            var inbox = new Inbox(worker);
            server.Send(new ComputeGradients(1, 1, Vector(1000), [new ShardTask(0, [1])], 1, 1));
            Assert.Equal(Vector(1000).Select(BitConverter.SingleToInt32Bits), ((ComputeGradients)inbox.Next()).Parameters.Select(BitConverter.SingleToInt32Bits));
        }

        foreach (var intruder in new[] { Plain with { Certificate = other }, Plain })
        {
            using var listening = new Listening(tls);
            var accepting = listening.AcceptOne(tls);
            Assert.Throws<ChannelException>(() => ChannelConnection.Connect(listening.Endpoint, new ChannelHello(1, "w"), intruder));
            var refused = await Assert.ThrowsAsync<ChannelException>(() => accepting);
            Assert.Contains("refused a vector channel", refused.Message);
        }
    }

    private static X509Certificate2 SelfSigned()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=distnet", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }

    private static readonly Lazy<DataSplit> Digits = new(() => DataLoader.Load("digits"));

    private static TrainerSettings Settings => new()
    {
        Epochs = 3, BatchSize = 32, Seed = 1, MicroShards = 8,
        Optimizer = new OptimizerSettings(OptimizerKind.Momentum, 0.1),
    };

    /// <summary>
    /// The server and three workers in one actor system, every worker behind a ServerLink and a
    /// WorkerLink with a real connection between them: the links are transparent, so the model is
    /// the one in-process training gives. Optionally one link is stopped after the first epoch, and
    /// the workers may answer with first-layer factors. Also returns the answers' mean size on the wire.
    /// </summary>
    private static (DistributedResult Result, double BytesPerAnswer) TrainOverTheChannel(bool cutOneAfterFirstEpoch, bool factors,
        TrainingMode mode = TrainingMode.Sync)
    {
        var model = Mlp.Initialize(Architecture.Create(64, [16], Activation.Sigmoid, 10, Loss.SoftmaxCrossEntropy), 1);
        var split = Digits.Value;
        using var system = ActorSystem.Create("distnet", AkkaConfig.Default);
        using var telemetry = new RunTelemetry();
        try
        {
            var links = new List<IActorRef>();
            var observer = new CutAfterFirstEpoch(() => { if (cutOneAfterFirstEpoch) system.Stop(links[1]); });
            var server = TrainingServer.Start(system, new ServerSetup(model, split.Train.Count, split.Validation, Settings,
                new DistributedSettings { Workers = 3, Mode = mode }, observer, telemetry));
            var (listener, token) = ChannelListener.Open("127.0.0.1", Plain);
            // On: with auto, workers on this host (all of them here) send whole gradients.
            system.ActorOf(ChannelListener.Props(listener, server, token, Plain with { FirstLayerFactors = FirstLayerFactors.On }, followMembership: false,
                factors ? () => new FirstLayerGradient(model.Architecture, split.Train) : null), ChannelListener.Name);
            var endpoint = new ChannelEndpoint("127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port, token);
            var job = new WorkerJob(model.Architecture, split.Train, Settings.Penalty, Settings.Optimizer);
            for (int id = 0; id < 3; id++)
                links.Add(system.ActorOf(ServerLink.Props(endpoint, new ChannelHello(id, $"node-{id}"), job, Plain), $"link-{id}"));
            var result = TrainingServer.Train(server, model.Architecture).GetAwaiter().GetResult();
            var workers = telemetry.Epochs.SelectMany(e => e.Workers).ToList();
            return (result, (double)workers.Sum(w => w.BytesReceived) / workers.Sum(w => w.Tasks));
        }
        finally { system.Terminate().Wait(TimeSpan.FromSeconds(10)); }
    }

    private sealed class CutAfterFirstEpoch(Action cut) : ITrainingObserver
    {
        public List<string> Notices { get; } = [];
        public void OnEpoch(EpochReport report) { if (report.Epoch == 1) cut(); }
        public void OnNotice(string message) { lock (Notices) Notices.Add(message); }
    }

    [Fact]
    public void Workers_behind_the_channel_train_the_same_model_as_workers_in_process()
    {
        var split = Digits.Value;
        var model = Mlp.Initialize(Architecture.Create(64, [16], Activation.Sigmoid, 10, Loss.SoftmaxCrossEntropy), 1);
        var local = LocalTraining.Run(model, split.Train, split.Validation, Settings, new DistributedSettings { Workers = 3 });

        // Shards of 4 samples against 64 inputs: the answers carry first-layer factors, rebuilt by the links.
        var (channel, factoredBytes) = TrainOverTheChannel(cutOneAfterFirstEpoch: false, factors: true);
        Assert.Equal(local.Model.Parameters, channel.Model.Parameters);
        Assert.True(channel.LedgerExactlyOnce);

        // A worker whose channel ends is lost; its shards go to the others and the sum does not change.
        // Whole gradients this time: each answer carries every first-layer weight, 64 × 16 of 1,210 numbers.
        var (cut, wholeBytes) = TrainOverTheChannel(cutOneAfterFirstEpoch: true, factors: false);
        Assert.Equal(1, cut.Stats.WorkersLost);
        Assert.True(cut.LedgerExactlyOnce);
        Assert.Equal(local.Model.Parameters, cut.Model.Parameters);
        Assert.True(factoredBytes < 0.5 * wholeBytes, $"answers of {factoredBytes:F0} bytes with factors, {wholeBytes:F0} without");
    }

    /// <summary>
    /// Async answers (one batch each) may carry factors too. Async runs are not repeatable bit for bit
    /// (answers apply in arrival order), so this checks the answers shrank, every sample counted once,
    /// and the model learned; the rebuilt bits themselves are the sync test's and the link test's.
    /// </summary>
    [Fact]
    public void Async_workers_behind_the_channel_answer_with_factors_and_train()
    {
        var (result, bytes) = TrainOverTheChannel(cutOneAfterFirstEpoch: false, factors: true, TrainingMode.Async);
        Assert.True(result.LedgerExactlyOnce);
        Assert.True(result.History[^1].Loss < 0.8 * result.History[0].Loss, string.Join(", ", result.History.Select(h => h.Loss)));
        // A whole answer carries 4 × 1,210 bytes of vector; factors of a 32-sample batch, 4 × (186 + 16 × 32 + 32).
        Assert.True(bytes < 0.75 * 4 * 1210, $"answers of {bytes:F0} bytes");
    }
}
