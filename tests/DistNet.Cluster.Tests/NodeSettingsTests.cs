using DistNet.Cluster.Channel;
using DistNet.Training.Hosting;

namespace DistNet.Cluster.Tests;

public class NodeSettingsTests
{
    [Fact]
    public void Defaults_come_from_reference_conf_and_are_pinned()
    {
        var s = NodeSettings.FromConfig(NodeConfig.Reference);
        Assert.Equal(NodeRole.Worker, s.Role);
        Assert.Equal("127.0.0.1", s.Host);
        Assert.Equal(0, s.Port);
        Assert.Empty(s.SeedNodes);
        Assert.Equal(1, s.WorkersPerNode);
        Assert.Equal(0, s.PsWorkers);
        Assert.Equal(1, s.MinWorkers);
        Assert.Equal(TimeSpan.FromSeconds(60), s.PsWait);
        Assert.True(s.VectorChannel);
        Assert.Equal(0, s.VectorPort);
        Assert.Equal(FirstLayerFactors.Auto, s.FirstLayerFactors);
        Assert.False(s.TlsEnabled);
        var config = NodeConfig.Reference;
        Assert.Equal(64L * 1024 * 1024, config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size"));
        Assert.Equal("keep-majority", config.GetString("akka.cluster.split-brain-resolver.active-strategy"));
    }

    [Fact]
    public void Environment_variables_override_the_defaults()
    {
        var env = new Dictionary<string, string>
        {
            ["DISTNET_ROLE"] = "ps", ["DISTNET_HOST"] = "0.0.0.0", ["DISTNET_PORT"] = "4053",
            ["DISTNET_SEED_NODES"] = "a:1, b:2", ["DISTNET_WORKERS_PER_NODE"] = "3", ["DISTNET_MIN_WORKERS"] = "5",
            ["DISTNET_PS_WAIT"] = "7", ["DISTNET_VECTOR_CHANNEL"] = "off", ["DISTNET_VECTOR_PORT"] = "4054", ["DISTNET_PS_WORKERS"] = "2",
            ["DISTNET_FIRST_LAYER_FACTORS"] = "on", ["DISTNET_WORKER_POLL"] = "0", ["DISTNET_SHARED_MEMORY"] = "off", ["DISTNET_PAIR_CORES"] = "on",
        };
        var s = NodeSettings.FromEnvironment(NodeConfig.Reference, name => env.GetValueOrDefault(name));
        Assert.Equal((NodeRole.Ps, "0.0.0.0", 4053, 3, 5), (s.Role, s.Host, s.Port, s.WorkersPerNode, s.MinWorkers));
        Assert.Equal(["a:1", "b:2"], s.SeedNodes);
        var config = s.ToConfig(NodeConfig.Reference);
        Assert.Equal(4053, config.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.Equal(["akka.tcp://distnet@a:1", "akka.tcp://distnet@b:2"], config.GetStringList("akka.cluster.seed-nodes"));
        Assert.Equal(["ps"], config.GetStringList("akka.cluster.roles"));
        Assert.Equal(TimeSpan.FromSeconds(7), config.GetTimeSpan("distnet.node.ps-wait"));
        Assert.False(config.GetBoolean("distnet.node.vector-channel.enabled"));
        Assert.Equal(4054, config.GetInt("distnet.node.vector-channel.port"));
        Assert.Equal(2, s.PsWorkers);
        Assert.Equal(2, config.GetInt("distnet.node.ps-workers"));
        Assert.Equal(FirstLayerFactors.On, ChannelSettings.FromConfig(config).FirstLayerFactors);
        Assert.Equal(TimeSpan.Zero, ChannelSettings.FromConfig(config).WorkerPoll);
        Assert.False(ChannelSettings.FromConfig(config).SharedMemory);
        Assert.True(ChannelSettings.FromConfig(config).PairCores);
    }

    [Fact]
    public void Shared_memory_is_on_by_default_with_a_ring_of_four_mebibytes_and_a_ring_size_out_of_range_is_named()
    {
        var channel = ChannelSettings.FromConfig(new NodeSettings().ToConfig(NodeConfig.Reference));
        Assert.Equal((true, 4L << 20, false), (channel.SharedMemory, channel.SharedRingBytes, channel.PairCores));
        var bigger = Akka.Configuration.ConfigurationFactory.ParseString("distnet.node.vector-channel.shared-memory-ring = 16MiB").WithFallback(NodeConfig.Reference);
        Assert.Equal(16L << 20, ChannelSettings.FromConfig(bigger).SharedRingBytes);
        var tiny = Akka.Configuration.ConfigurationFactory.ParseString("distnet.node.vector-channel.shared-memory-ring = 1KiB").WithFallback(NodeConfig.Reference);
        var e = Assert.Throws<ArgumentException>(() => ChannelSettings.FromConfig(tiny));
        Assert.Equal("distnet.node.vector-channel.shared-memory-ring = 1024 bytes is not between 64KiB and 1GiB", e.Message);
    }

    [Fact]
    public void A_worker_node_runs_its_workers_on_their_channels_reader_threads_and_polls_two_milliseconds_by_default()
    {
        var worker = new NodeSettings { WorkersPerNode = 3, SeedNodes = ["h:1"] }.ToConfig(NodeConfig.Reference);
        Assert.Equal(typeof(CallerRunsExecutorConfigurator),
            Type.GetType(worker.GetString($"{AkkaConfig.ChannelReaderDispatcher}.executor"), throwOnError: true));
        Assert.Equal(TimeSpan.FromMilliseconds(2), ChannelSettings.FromConfig(worker).WorkerPoll);
        var longer = new NodeSettings { SeedNodes = ["h:1"], WorkerPoll = TimeSpan.FromMilliseconds(5) }.ToConfig(NodeConfig.Reference);
        Assert.Equal(TimeSpan.FromMilliseconds(5), ChannelSettings.FromConfig(longer).WorkerPoll);
    }

    [Theory]
    [InlineData("akka.tcp://distnet@h:4053", false, "akka.tcp://distnet@h:4053")]
    [InlineData("akka.tcp://distnet@h:4053", true, "akka.ssl.tcp://distnet@h:4053")]
    [InlineData("h:4053", true, "akka.ssl.tcp://distnet@h:4053")]
    [InlineData("akka.ssl.tcp://distnet@10.0.0.5:7", false, "akka.tcp://distnet@10.0.0.5:7")]
    public void Seed_addresses_follow_the_TLS_setting(string seed, bool tls, string expected)
    {
        var s = new NodeSettings { TlsCert = tls ? "c" : "", TlsKey = tls ? "k" : "" };
        Assert.Equal(expected, s.SeedAddress(seed));
    }

    [Theory]
    [InlineData("DISTNET_PORT", "many", "DISTNET_PORT")]
    [InlineData("DISTNET_ROLE", "boss", "unknown role 'boss'")]
    [InlineData("DISTNET_VECTOR_CHANNEL", "maybe", "DISTNET_VECTOR_CHANNEL='maybe' is not on or off")]
    [InlineData("DISTNET_FIRST_LAYER_FACTORS", "sometimes", "DISTNET_FIRST_LAYER_FACTORS='sometimes' is not auto, on or off")]
    [InlineData("DISTNET_WORKER_POLL", "2ms", "DISTNET_WORKER_POLL")]
    [InlineData("DISTNET_SHARED_MEMORY", "auto", "DISTNET_SHARED_MEMORY='auto' is not on or off")]
    [InlineData("DISTNET_PAIR_CORES", "2", "DISTNET_PAIR_CORES='2' is not on or off")]
    public void Bad_environment_values_are_named(string name, string value, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => NodeSettings.FromEnvironment(NodeConfig.Reference, n => n == name ? value : null));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Print_config_shows_the_effective_settings_and_bad_ones_are_one_line_errors()
    {
        var print = CliRunner.Run(["node", "--role", "ps", "--port", "4999", "--min-workers", "3", "--ps-workers", "2", "--print-config"]);
        Assert.Equal(0, print.ExitCode);
        Assert.Matches("\"?ps-workers\"? : 2", print.Output);
        Assert.Contains("\"min-workers\" : 3", print.Output.Replace("min-workers : 3", "\"min-workers\" : 3"));
        Assert.Contains("4999", print.Output);
        Assert.Contains("maximum-frame-size", print.Output);

        // The vector channel's port taken by something else: one line naming it, not an internal error.
        using (var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            taken.Start();
            int port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
            var busy = CliRunner.Run(["node", "--role", "ps", "--port", "0", "--vector-port", port.ToString(), "--epochs", "1"]);
            Assert.Equal(2, busy.ExitCode);
            Assert.Contains($"cannot listen for vector channels on 127.0.0.1:{port}", busy.Error);
            Assert.DoesNotContain("internal error", busy.Error);
        }

        var worker = CliRunner.Run(["node", "--role", "worker"]);
        Assert.Equal(2, worker.ExitCode);
        Assert.Contains("needs --seed-nodes", worker.Error);
        var seed = CliRunner.Run(["node", "--seed-nodes", "nowhere"]);
        Assert.Equal(2, seed.ExitCode);
        Assert.Contains("'nowhere'", seed.Error);
        var tls = CliRunner.Run(["node", "--role", "ps", "--tls-cert", "/no/such.crt", "--print-config"]);
        Assert.Equal(2, tls.ExitCode);
        Assert.Contains("--tls-key", tls.Error);
        var negative = CliRunner.Run(["node", "--role", "ps", "--ps-workers", "-1", "--print-config"]);
        Assert.Equal(2, negative.ExitCode);
        Assert.Contains("--ps-workers cannot be negative", negative.Error);
    }
}
