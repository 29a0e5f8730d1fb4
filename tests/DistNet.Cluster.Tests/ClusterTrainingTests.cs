namespace DistNet.Cluster.Tests;

/// <summary>Real processes on 127.0.0.1: one parameter server and worker nodes.</summary>
[Collection("cluster processes")]
public partial class ClusterTrainingTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private static string[] Job(string modelOut, int epochs) =>
        ["--epochs", epochs.ToString(), "--hidden", "16", "--model-out", modelOut, "--task-timeout", "2"];

    /// <param name="vectorChannel">
    /// on: vectors on the vector channel (the default), through shared memory as the workers are on the ps's host,
    /// and with cores paired (--pair-cores on);
    /// on, over TCP: the same with --shared-memory off; off: through Akka.Remote.
    /// </param>
    [Theory]
    [InlineData("on")]
    [InlineData("on, over TCP")]
    [InlineData("off")]
    public void A_server_and_two_worker_processes_train_the_same_model_as_two_workers_in_process(string vectorChannel)
    {
        bool shared = vectorChannel == "on";
        using var dir = new TempDir();
        int port = NodeProcess.FreePort();
        string seed = $"akka.tcp://distnet@127.0.0.1:{port}";
        using var ps = new NodeProcess("ps", ["node", "--role", "ps", "--port", port.ToString(), "--min-workers", "2", .. Job(dir.File("cluster.json"), 3),
            "--metrics-out", dir.File("metrics.jsonl"), "--trace-out", dir.File("trace.json"), "--vector-channel", vectorChannel == "off" ? "off" : "on",
            "--shared-memory", shared ? "on" : "off", "--pair-cores", shared ? "on" : "off"]);
        ps.WaitFor("waiting for 2 workers", Patience);
        using var w1 = new NodeProcess("worker 1", "node", "--seed-nodes", seed, "--pair-cores", shared ? "on" : "off");
        using var w2 = new NodeProcess("worker 2", "node", "--seed-nodes", seed, "--pair-cores", shared ? "on" : "off");
        Assert.Equal(0, ps.WaitForExit(Patience));
        Assert.Contains("exactly once in each of 3 epochs", ps.Output);
        Assert.Equal(0, w1.WaitForExit(Patience));
        Assert.Equal(0, w2.WaitForExit(Patience));
        AssertMeasuredAcrossProcesses(dir, ps.Output);
        Assert.Equal(vectorChannel != "off", ps.Output.Contains("vector channel listening on 127.0.0.1:"));
        Assert.Equal(shared ? 2 : 0, System.Text.RegularExpressions.Regex.Count(ps.Output, @"worker \d is on this host: its vectors go through shared memory"));

        AssertSameModelAsTwoWorkersInProcess(dir, 3);
    }

    [Fact]
    public void A_server_with_a_worker_of_its_own_and_one_worker_process_train_the_same_model_as_two_workers_in_process()
    {
        using var dir = new TempDir();
        int port = NodeProcess.FreePort();
        // Factors on (auto would not use them for a worker on this host): the ps rebuilds the first
        // layer's weight gradients, and the model is still the same bits.
        using var ps = new NodeProcess("ps", ["node", "--role", "ps", "--port", port.ToString(), "--ps-workers", "1", "--min-workers", "2",
            "--first-layer-factors", "on", .. Job(dir.File("cluster.json"), 3)]);
        ps.WaitFor("waiting for 2 workers (1 of them in this process)", Patience);
        using var w1 = new NodeProcess("worker 1", "node", "--seed-nodes", $"akka.tcp://distnet@127.0.0.1:{port}");
        Assert.Equal(0, ps.WaitForExit(Patience));
        Assert.Contains("exactly once in each of 3 epochs", ps.Output);
        // Worker 0 is the ps's own; the worker process gets the next id, and both did work.
        Assert.Matches(@"0: [1-9]\d*.*1: [1-9]\d*", ps.WaitFor("tasks per worker:", TimeSpan.Zero));
        Assert.Equal(0, w1.WaitForExit(Patience));
        Assert.Contains("workers send first-layer weight gradients as factors", ps.Output);

        AssertSameModelAsTwoWorkersInProcess(dir, 3);
    }

    [Fact]
    public void A_worker_killed_mid_training_is_noticed_its_shards_reassigned_and_a_fresh_worker_joins()
    {
        using var dir = new TempDir();
        int port = NodeProcess.FreePort();
        string seed = $"akka.tcp://distnet@127.0.0.1:{port}";
        // Long enough (tens of seconds, with vectors on the channel) to kill a worker, see it lost, and have a new one join.
        string[] job = [.. Job(dir.File("cluster.json"), 300), "--batch", "8"];
        // With first-layer factors: a reassigned block's answer is rebuilt like any other.
        using var ps = new NodeProcess("ps", ["node", "--role", "ps", "--port", port.ToString(), "--min-workers", "2", "--first-layer-factors", "on", .. job]);
        ps.WaitFor("waiting for 2 workers", Patience);
        using var w1 = new NodeProcess("worker 1", "node", "--seed-nodes", seed);
        using var w2 = new NodeProcess("worker 2", "node", "--seed-nodes", seed);
        ps.WaitFor("epoch   2/300", Patience);
        w2.KillHard();
        // Either first worker may be the one killed (ids go by who asked for the job first); its link names its node.
        ps.WaitFor(" lost (worker-", Patience);
        using var w3 = new NodeProcess("worker 3", "node", "--seed-nodes", seed);
        ps.WaitFor("worker 2 joined", Patience);
        Assert.Equal(0, ps.WaitForExit(Patience));

        Assert.Contains("exactly once in each of 300 epochs", ps.Output);
        var summary = ps.WaitFor(" updates, ", TimeSpan.Zero);
        Assert.Contains("1 workers lost", summary);
        // Worker ids: 0 and 1 from the first nodes, 2 from the fresh one, which did work.
        var perWorker = ps.WaitFor("tasks per worker:", TimeSpan.Zero);
        Assert.Matches(@"2: [1-9]\d*", perWorker);

        AssertSameModelAsTwoWorkersInProcess(dir, 300, "--batch", "8");
    }

    [Fact]
    public void A_killed_parameter_server_restarted_with_resume_finishes_the_same_model_with_the_same_workers()
    {
        using var dir = new TempDir();
        // The ps on the lowest port, as docs/cluster.md advises: on a tie the split-brain resolver keeps the lowest address.
        var ports = new[] { NodeProcess.FreePort(), NodeProcess.FreePort(), NodeProcess.FreePort() }.Order().ToArray();
        var (port, port1, port2) = (ports[0], ports[1], ports[2]);
        string ps = $"akka.tcp://distnet@127.0.0.1:{port}";
        string[] job = [.. Job(dir.File("cluster.json"), 20), "--batch", "8", "--checkpoint-every", "50"];
        var first = new NodeProcess("ps", ["node", "--role", "ps", "--port", port.ToString(), "--min-workers", "2", .. job,
            "--checkpoint-dir", dir.File("checkpoints")]);
        using var w1 = new NodeProcess("worker 1", "node", "--port", port1.ToString(), "--seed-nodes", ps);
        using var w2 = new NodeProcess("worker 2", "node", "--port", port2.ToString(), "--seed-nodes", ps);
        try
        {
            first.WaitFor("epoch   3/20", Patience);
            first.KillHard();
        }
        finally { first.Dispose(); }
        w1.WaitFor("is gone (downed)", Patience);
        // The new ps joins the cluster the workers kept, through them, and takes the same port.
        using var second = new NodeProcess("ps again", ["node", "--role", "ps", "--port", port.ToString(), "--min-workers", "2", .. job,
            "--resume", dir.File("checkpoints"), "--seed-nodes", $"akka.tcp://distnet@127.0.0.1:{port1},akka.tcp://distnet@127.0.0.1:{port2}"]);
        try { Assert.Equal(0, second.WaitForExit(Patience)); }
        catch (TimeoutException e) { throw new TimeoutException($"{e.Message}\n--- worker 1:\n{w1.Output}\n--- worker 2:\n{w2.Output}"); }
        Assert.Matches(@"resumed from .*checkpoint-\d+\.dnck \(step [1-9]\d*", second.Output);
        Assert.Contains("every sample contributed exactly once", second.Output);
        Assert.Equal(0, w1.WaitForExit(Patience));
        Assert.Equal(0, w2.WaitForExit(Patience));

        AssertSameModelAsTwoWorkersInProcess(dir, 20, "--batch", "8");
    }
}

public partial class ClusterTrainingTests
{
    /// <summary>The cluster's model file (cluster.json) is byte for byte that of `distnet train --workers 2` with the same options.</summary>
    private static void AssertSameModelAsTwoWorkersInProcess(TempDir dir, int epochs, params string[] options)
    {
        var local = CliRunner.Run(["train", "--workers", "2", .. Job(dir.File("local.json"), epochs), .. options]);
        Assert.True(local.ExitCode == 0, local.Error);
        Assert.Equal(File.ReadAllBytes(dir.File("local.json")), File.ReadAllBytes(dir.File("cluster.json")));
    }

    /// <summary>
    /// Across processes the vector serializer supplies exact byte counts and codec times, and the wire
    /// time is estimated; mailbox time (which needs one clock) is not reported.
    /// </summary>
    private static void AssertMeasuredAcrossProcesses(TempDir dir, string psOutput)
    {
        int parameters = 64 * 16 + 16 + 16 * 10 + 10;
        var workers = File.ReadAllLines(dir.File("metrics.jsonl"))
            .SelectMany(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("timings").GetProperty("workers").EnumerateArray())
            .ToList();
        Assert.NotEmpty(workers);
        Assert.All(workers, w =>
        {
            long tasks = w.GetProperty("tasks").GetInt64();
            long sent = w.GetProperty("bytesSent").GetInt64();
            // Exact serialized sizes: the parameter vector plus the header and the sample indices.
            Assert.InRange(sent, tasks * (4L * parameters + 32), tasks * (4L * parameters + 32 + 4 * 32 + 64));
            Assert.True(w.GetProperty("codecSeconds").GetDouble() > 0);
            Assert.True(w.GetProperty("wireSeconds").GetDouble() > 0);
            Assert.Equal(System.Text.Json.JsonValueKind.Null, w.GetProperty("mailboxSeconds").ValueKind);
        });
        Assert.Contains("stragglers: step time per worker", psOutput);
        using var trace = System.Text.Json.JsonDocument.Parse(File.ReadAllText(dir.File("trace.json")));
        var names = trace.RootElement.GetProperty("traceEvents").EnumerateArray().Select(e => e.GetProperty("name").GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "step", "compute", "serialize", "wire", "deserialize" }, names);
    }
}

public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("distnet-cluster-").FullName;
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose() { try { Directory.Delete(Path, true); } catch (IOException) { } }
}

public static class CliRunner
{
    public static (int ExitCode, string Output, string Error) Run(string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = DistNet.Cli.CliApp.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
