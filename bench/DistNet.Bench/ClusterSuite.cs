using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using DistNet.Cluster;
using DistNet.Cluster.Channel;
using DistNet.Core.Linear;
using DistNet.Training.Workers;

namespace DistNet.Bench;

/// <summary>
/// `--suite cluster`: the in-process half of the cluster benchmark (bench/cluster.sh runs the
/// processes). The two messages a sync step sends per worker, with a 784-256-128-10 weight vector:
/// <see cref="ComputeGradients"/> (the weights and one micro-shard of 128 sample indices) and
/// <see cref="GradientsComputed"/> (one shard's gradient). Each is serialized and deserialized by
/// the serializer the cluster configuration binds it to (<see cref="NodeConfig.Reference"/>, found
/// with <c>FindSerializerFor</c>: VectorMessageSerializer) and by Hyperion, constructed for the same
/// actor system; throughput is serialized bytes per second. For scale: a plain copy of the same bytes
/// into a reused array, and into a fresh one (what any deserializer that returns a new float[] pays).
/// </summary>
internal static class ClusterSuite
{
    internal sealed record SerializerRow(string Message, string Serializer, int Bytes, double SerializeMBps, double DeserializeMBps,
        double SerializeMicroseconds, double DeserializeMicroseconds, double Gen0PerThousand, bool RoundTrips);

    internal sealed record CopyRow(string Copy, double MBps, double Microseconds);

    internal sealed record SizeRow(string Message, int Shards, int Ours, int Hyperion, int Minimum);

    /// <summary>Task out, answer back between two actor systems over Akka.Remote on 127.0.0.1, in one process.</summary>
    internal sealed record RoundTripRow(int RoundTrips, double MedianMicroseconds, double P90Microseconds, double AllocatedMBPerRoundTrip,
        double Gen0PerHundred, double Gen1PerHundred, double Gen2PerHundred);

    internal sealed record ClusterReport(string Suite, string Date, string LoadAverageAtStart, string LoadAverageAtEnd, string Runtime,
        int Parameters, string OurSerializer, IReadOnlyList<SerializerRow> Serializers, IReadOnlyList<CopyRow> Copies,
        IReadOnlyList<SizeRow> Sizes, int BytesPerStepPerWorker, int MinimumBytesPerStepPerWorker, RoundTripRow RoundTrip,
        RoundTripRow ChannelRoundTrip, RoundTripRow SocketRoundTrip);

    public static ClusterReport Run(int parameters)
    {
        string loadAtStart = Machine.LoadAverage();
        var rng = new System.Random(1);
        float[] Vector() { var v = new float[parameters]; for (int i = 0; i < v.Length; i++) v[i] = (float)(rng.NextDouble() - 0.5); return v; }
        int[] Indices(int n) => Enumerable.Range(0, n).Select(_ => rng.Next(60_000)).ToArray();
        var weights = Vector();
        ComputeGradients Task(int shards) => new(17, 42, weights, Enumerable.Range(0, shards).Select(s => new ShardTask(s, Indices(128))).ToArray(), 1f / 256, shards);
        GradientsComputed Answer(int shards) => new(17, 42, 1, Enumerable.Range(0, shards).Select(s => new ShardGradient(s, 0, Vector(), 123.25, 57, 128)).ToArray());
        // What a worker now sends for an aligned block of `shards` micro-shards (a power of two): their sum along the shard tree, one vector.
        GradientsComputed BlockAnswer(int shards) => new(17, 42, 1, [new ShardGradient(0, System.Numerics.BitOperations.Log2((uint)shards), Vector(), 123.25, 57, 128 * shards)]);

        using var system = ActorSystem.Create("distnet-bench", NodeConfig.Reference);
        try
        {
            var hyperion = new HyperionSerializer((ExtendedActorSystem)system);
            var task = Task(1);
            var answer = Answer(1);
            var ours = system.Serialization.FindSerializerFor(task);
            string ourName = ours.GetType().FullName!;
            Console.WriteLine($"{parameters:N0} floats a vector ({4 * parameters:N0} bytes); our serializer (FindSerializerFor, NodeConfig.Reference): {ourName}");
            Console.WriteLine($"throughput = serialized bytes / time (MB = 10^6 bytes), median of 7 timings of ≥ 0.2 s each");
            Console.WriteLine();

            var rows = new List<SerializerRow>();
            foreach (var (name, message) in new (string, object)[] { ("ComputeGradients (weights + 128 indices)", task), ("GradientsComputed (1 shard)", answer) })
            {
                rows.Add(Measure(name, "VectorMessageSerializer", message, ours));
                rows.Add(Measure(name, "Hyperion", message, hyperion));
            }
            var source = Vector();
            var target = new float[parameters];
            double copyUs = Time(() => source.AsSpan().CopyTo(target), out _);
            double freshUs = Time(() => { var fresh = GC.AllocateUninitializedArray<float>(parameters); source.AsSpan().CopyTo(fresh); }, out _);
            var copies = new List<CopyRow>
            {
                new("copy of the vector's bytes into a reused array", 4.0 * parameters / copyUs, copyUs),
                new("the same into a fresh array (GC.AllocateUninitializedArray)", 4.0 * parameters / freshUs, freshUs),
            };

            Console.WriteLine("message                                    serializer                  bytes   serialize MB/s (µs)   deserialize MB/s (µs)   gen0 GCs/1000  round trip");
            foreach (var r in rows)
                Console.WriteLine($"{r.Message,-42} {r.Serializer,-23} {r.Bytes,9:N0}   {r.SerializeMBps,8:N0} ({r.SerializeMicroseconds,7:F0})   {r.DeserializeMBps,10:N0} ({r.DeserializeMicroseconds,7:F0})   " +
                    $"{r.Gen0PerThousand,13:F0}  {(r.RoundTrips ? "exact" : "DIFFERS")}");
            foreach (var c in copies) Console.WriteLine($"{c.Copy,-66} {c.MBps,8:N0} MB/s ({c.Microseconds:F0} µs)");

            // What a sync step sends per worker: one task out, one answer in, with as many shards as the worker was given.
            var sizes = new List<SizeRow>();
            foreach (int shards in new[] { 1, 2 })
            {
                sizes.Add(new SizeRow("ComputeGradients", shards, ours.ToBinary(Task(shards)).Length, hyperion.ToBinary(Task(shards)).Length, 4 * parameters));
                // Since the shard tree, a worker holding an aligned block of shards answers with one pre-summed vector.
                sizes.Add(new SizeRow("GradientsComputed", shards, ours.ToBinary(BlockAnswer(shards)).Length, hyperion.ToBinary(BlockAnswer(shards)).Length, 4 * parameters));
            }
            Console.WriteLine();
            Console.WriteLine("serialized size, bytes      shards per worker        ours    Hyperion   minimum (4 × parameters)   (answers: one pre-summed vector per aligned block)");
            foreach (var s in sizes) Console.WriteLine($"{s.Message,-26} {s.Shards,18}  {s.Ours,10:N0}  {s.Hyperion,10:N0}  {s.Minimum,10:N0}");
            int perStep = sizes[0].Ours + sizes[1].Ours, minimum = 2 * 4 * parameters;
            Console.WriteLine($"per step per worker (1 shard each, as with --batch 256 --micro-shards 2 on 2 workers): {perStep:N0} bytes " +
                $"(task + answer, before Akka.Remote's envelope) against a minimum of {minimum:N0}: {(double)perStep / minimum:F5}×");

            var roundTrip = RoundTrip(task, answer);
            Console.WriteLine();
            Console.WriteLine($"Akka.Remote round trip on 127.0.0.1 (two actor systems in this process, NodeConfig.Reference with provider = remote): " +
                $"ComputeGradients out, GradientsComputed back, {roundTrip.RoundTrips} times: median {roundTrip.MedianMicroseconds:F0} µs (90th percentile {roundTrip.P90Microseconds:F0}); " +
                $"{roundTrip.AllocatedMBPerRoundTrip:F1} MB allocated per round trip (both ends; the two payloads are {2 * 4.0 * parameters / 1e6:F2} MB); " +
                $"GCs per 100 round trips: gen0 {roundTrip.Gen0PerHundred:F0}, gen1 {roundTrip.Gen1PerHundred:F0}, gen2 {roundTrip.Gen2PerHundred:F0}");
            var channel = ChannelRoundTrip(task, answer);
            Console.WriteLine($"vector channel round trip on 127.0.0.1 (ChannelConnection pair in this process, no actors): median {channel.MedianMicroseconds:F0} µs " +
                $"(90th percentile {channel.P90Microseconds:F0}); {channel.AllocatedMBPerRoundTrip:F2} MB allocated per round trip; " +
                $"GCs per 100 round trips: gen0 {channel.Gen0PerHundred:F0}, gen1 {channel.Gen1PerHundred:F0}, gen2 {channel.Gen2PerHundred:F0}");
            var socket = SocketRoundTrip(4 * parameters);
            Console.WriteLine($"plain TCP round trip on 127.0.0.1 (the same byte counts, blocking sockets, reused buffers: the floor): median {socket.MedianMicroseconds:F0} µs " +
                $"(90th percentile {socket.P90Microseconds:F0})");
            Console.WriteLine($"load average at start {loadAtStart}, at end {Machine.LoadAverage()}");
            return new ClusterReport("cluster", DateTime.Now.ToString("yyyy-MM-dd HH:mm"), loadAtStart, Machine.LoadAverage(), Environment.Version.ToString(),
                parameters, ourName, rows, copies, sizes, perStep, minimum, roundTrip, channel, socket);
        }
        finally
        {
            system.Terminate().Wait(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>
    /// What Akka.Remote adds around the serializer: a second actor system answers every task with the
    /// same pre-built answer, so the time is serialization, Akka.Remote's envelopes and framing, TCP on
    /// loopback and the GC, with no computing. Both systems share this process's GC, so the allocation
    /// and collection counts are those of both ends together.
    /// </summary>
    private static RoundTripRow RoundTrip(ComputeGradients task, GradientsComputed answer)
    {
        // DISTNET_BENCH_HOCON: extra settings to try on the transport (e.g. "akka.remote.dot-netty.tcp.batching.enabled = false").
        var config = ConfigurationFactory.ParseString("akka.actor.provider = remote\n" + Environment.GetEnvironmentVariable("DISTNET_BENCH_HOCON"))
            .WithFallback(NodeConfig.Reference);
        using var server = ActorSystem.Create("distnet", config);
        using var worker = ActorSystem.Create("distnet", config);
        try
        {
            worker.ActorOf(Props.Create(() => new Echo(answer)), "echo");
            var address = ((ExtendedActorSystem)worker).Provider.DefaultAddress;
            var echo = server.ActorSelection(new RootActorPath(address) / "user" / "echo").ResolveOne(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
            return Measure(() => echo.Ask<GradientsComputed>(task, TimeSpan.FromSeconds(30)).GetAwaiter().GetResult());
        }
        finally
        {
            server.Terminate().Wait(TimeSpan.FromSeconds(10));
            worker.Terminate().Wait(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>
    /// The same exchange on the vector channel (what the cluster uses for vectors): a connected pair of
    /// <see cref="ChannelConnection"/>s; the "worker" end answers each task from its reader thread.
    /// </summary>
    private static RoundTripRow ChannelRoundTrip(ComputeGradients task, GradientsComputed answer)
    {
        var settings = ChannelSettings.FromConfig(NodeConfig.Reference);
        var (listener, token) = ChannelListener.Open("127.0.0.1", settings);
        try
        {
            var accepting = Task.Run(() => ChannelConnection.Accept(listener.AcceptSocket(), token, settings));
            using var workerEnd = ChannelConnection.Connect(new ChannelEndpoint("127.0.0.1", ((System.Net.IPEndPoint)listener.LocalEndpoint).Port, token),
                new ChannelHello(0, "bench"), settings);
            using var serverEnd = accepting.Result.Connection;
            using var answered = new SemaphoreSlim(0);
            workerEnd.StartReading(m => { VectorPool.Return(((ComputeGradients)m).Parameters); workerEnd.Send(answer); }, _ => { });
            serverEnd.StartReading(m => { VectorPool.Return(((GradientsComputed)m).Shards[0].Gradient); answered.Release(); }, _ => { });
            return Measure(() => { serverEnd.Send(task); answered.Wait(); });
        }
        finally { listener.Stop(); }
    }

    /// <summary>The floor: <paramref name="bytes"/> out and back over a loopback TCP connection, blocking calls, no framing, no decoding.</summary>
    private static RoundTripRow SocketRoundTrip(int bytes)
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            using var client = new System.Net.Sockets.TcpClient { NoDelay = true };
            client.Connect(System.Net.IPAddress.Loopback, ((System.Net.IPEndPoint)listener.LocalEndpoint).Port);
            using var server = listener.AcceptTcpClient();
            server.NoDelay = true;
            var (a, b) = (server.GetStream(), client.GetStream());
            byte[] outBuffer = new byte[bytes], inBuffer = new byte[bytes], echoBuffer = new byte[bytes];
            var echo = new Thread(() =>
            {
                try { while (true) { b.ReadExactly(echoBuffer); b.Write(echoBuffer); } }
                catch (Exception e) when (e is IOException or ObjectDisposedException) { }
            }) { IsBackground = true };
            echo.Start();
            return Measure(() => { a.Write(outBuffer); a.ReadExactly(inBuffer); });
        }
        finally { listener.Stop(); }
    }

    /// <summary>30 untimed, then at least 50 timed and at most 3 s (or 2,000) of round trips; allocations and collections per round trip.</summary>
    private static RoundTripRow Measure(Action once)
    {
        for (int i = 0; i < 30; i++) once();
        var times = new List<double>();
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        int g0 = GC.CollectionCount(0), g1 = GC.CollectionCount(1), g2 = GC.CollectionCount(2);
        var all = Stopwatch.StartNew();
        while (times.Count < 50 || all.Elapsed.TotalSeconds < 3 && times.Count < 2000)
        {
            long t0 = Stopwatch.GetTimestamp();
            once();
            times.Add(1e6 * (Stopwatch.GetTimestamp() - t0) / Stopwatch.Frequency);
        }
        int n = times.Count;
        double mb = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / 1e6 / n;
        times.Sort();
        return new RoundTripRow(n, ActorSuite.Median(times), times[(int)(0.9 * (n - 1))], mb,
            100.0 * (GC.CollectionCount(0) - g0) / n, 100.0 * (GC.CollectionCount(1) - g1) / n, 100.0 * (GC.CollectionCount(2) - g2) / n);
    }

    private sealed class Echo : ReceiveActor
    {
        public Echo(GradientsComputed answer) => Receive<ComputeGradients>(_ => Sender.Tell(answer));
    }

    private static SerializerRow Measure(string name, string serializerName, object message, Serializer serializer)
    {
        var bytes = serializer.ToBinary(message);
        Func<byte[], object> read = serializer is SerializerWithStringManifest withManifest
            ? b => withManifest.FromBinary(b, withManifest.Manifest(message))
            : b => serializer.FromBinary(b, message.GetType());
        bool exact = SameVectors(message, read(bytes));
        double serializeUs = Time(() => serializer.ToBinary(message), out double serializeGen0);
        double deserializeUs = Time(() => read(bytes), out double deserializeGen0);
        return new SerializerRow(name, serializerName, bytes.Length, bytes.Length / serializeUs, bytes.Length / deserializeUs,
            serializeUs, deserializeUs, (serializeGen0 + deserializeGen0) / 2, exact);
    }

    private static bool SameVectors(object sent, object received) => (sent, received) switch
    {
        (ComputeGradients a, ComputeGradients b) => a.Parameters.AsSpan().SequenceEqual(b.Parameters) && a.TaskId == b.TaskId && a.Scale == b.Scale
            && a.Shards.Length == b.Shards.Length && a.Shards.Zip(b.Shards).All(s => s.First.Shard == s.Second.Shard && s.First.Samples.AsSpan().SequenceEqual(s.Second.Samples)),
        (GradientsComputed a, GradientsComputed b) => a.TaskId == b.TaskId && a.Shards.Length == b.Shards.Length
            && a.Shards.Zip(b.Shards).All(s => s.First.Gradient.AsSpan().SequenceEqual(s.Second.Gradient) && s.First.LossSum == s.Second.LossSum),
        _ => false,
    };

    /// <summary>Microseconds per call, median of 7 timings of ≥ 0.2 s; gen0 collections per 1000 calls.</summary>
    private static double Time(Action action, out double gen0PerThousand)
    {
        for (int i = 0; i < 20; i++) action();
        var timings = new List<double>();
        long calls = 0;
        int gen0 = GC.CollectionCount(0);
        for (int r = 0; r < 7; r++)
        {
            int n = 0;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed.TotalSeconds < 0.2) { action(); n++; }
            timings.Add(1e6 * clock.Elapsed.TotalSeconds / n);
            calls += n;
        }
        gen0PerThousand = 1000.0 * (GC.CollectionCount(0) - gen0) / calls;
        return ActorSuite.Median(timings);
    }
}
