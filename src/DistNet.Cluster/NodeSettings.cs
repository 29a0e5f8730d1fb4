using Akka.Configuration;
using DistNet.Cluster.Channel;
using DistNet.Training.Hosting;

namespace DistNet.Cluster;

public enum NodeRole { Ps, Worker }

/// <summary>
/// How a cluster node starts. One story for configuration: reference.conf holds the defaults,
/// environment variables (DISTNET_ROLE, DISTNET_HOST, DISTNET_PORT, DISTNET_PUBLIC_HOST,
/// DISTNET_SEED_NODES, DISTNET_WORKERS_PER_NODE, DISTNET_PS_WORKERS, DISTNET_MIN_WORKERS, DISTNET_PS_WAIT,
/// DISTNET_VECTOR_CHANNEL, DISTNET_VECTOR_PORT, DISTNET_FIRST_LAYER_FACTORS, DISTNET_WORKER_POLL, DISTNET_TLS_CERT, DISTNET_TLS_KEY) override them, and command-line options override both.
/// </summary>
public sealed record NodeSettings
{
    public NodeRole Role { get; init; } = NodeRole.Worker;
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; }
    public string PublicHost { get; init; } = "";
    public string[] SeedNodes { get; init; } = [];
    public int WorkersPerNode { get; init; } = 1;
    /// <summary>ps: worker actors in the ps's own process, beside the server; their vectors never leave the process.</summary>
    public int PsWorkers { get; init; }
    public int MinWorkers { get; init; } = 1;
    /// <summary>How long a worker node whose ps was downed waits for a new one (one started with --resume).</summary>
    public TimeSpan PsWait { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>ps: send vectors on the vector channel (on) or through Akka.Remote (off); the ps's choice goes into the job.</summary>
    public bool VectorChannel { get; init; } = true;
    /// <summary>ps: the vector channel's port, 0 for any free one.</summary>
    public int VectorPort { get; init; }
    /// <summary>ps: which workers may send the first layer's weight gradient as factors (docs/cluster.md, "Gradients as factors").</summary>
    public FirstLayerFactors FirstLayerFactors { get; init; } = FirstLayerFactors.Auto;
    /// <summary>worker: how long a worker's channel polls for its next task before sleeping in the kernel (docs/cluster.md).</summary>
    public TimeSpan WorkerPoll { get; init; } = TimeSpan.FromMilliseconds(2);
    /// <summary>Vectors between the ps and a worker on its host go through shared memory (docs/cluster.md, "Shared memory on one host").</summary>
    public bool SharedMemory { get; init; } = true;
    /// <summary>Worker k and the ps's reader of it on core k mod the cores, on one host (docs/cluster.md, "Shared memory on one host").</summary>
    public bool PairCores { get; init; }
    public string TlsCert { get; init; } = "";
    public string TlsKey { get; init; } = "";

    public bool TlsEnabled => TlsCert.Length > 0 || TlsKey.Length > 0;

    public static NodeSettings FromConfig(Config config)
    {
        var node = config.GetConfig("distnet.node");
        return new NodeSettings
        {
            Role = ParseRole(node.GetString("role")),
            Host = node.GetString("host"),
            Port = node.GetInt("port"),
            PublicHost = node.GetString("public-host", ""),
            SeedNodes = node.GetStringList("seed-nodes").ToArray(),
            WorkersPerNode = node.GetInt("workers-per-node"),
            PsWorkers = node.GetInt("ps-workers", 0),
            MinWorkers = node.GetInt("min-workers"),
            PsWait = node.GetTimeSpan("ps-wait"),
            VectorChannel = node.GetBoolean("vector-channel.enabled", true),
            VectorPort = node.GetInt("vector-channel.port", 0),
            FirstLayerFactors = ChannelSettings.ParseFirstLayerFactors(node.GetString("vector-channel.first-layer-factors", "auto"), "distnet.node.vector-channel.first-layer-factors"),
            WorkerPoll = node.GetTimeSpan("vector-channel.worker-poll", TimeSpan.FromMilliseconds(2)),
            SharedMemory = node.GetBoolean("vector-channel.shared-memory", true),
            PairCores = node.GetBoolean("vector-channel.pair-cores", false),
            TlsCert = node.GetString("tls.cert", ""),
            TlsKey = node.GetString("tls.key", ""),
        };
    }

    /// <summary>The defaults, then the environment.</summary>
    public static NodeSettings FromEnvironment(Config reference, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var s = FromConfig(reference);
        string? Env(string name) => environment(name) is { Length: > 0 } v ? v : null;
        return s with
        {
            Role = Env("DISTNET_ROLE") is { } role ? ParseRole(role) : s.Role,
            Host = Env("DISTNET_HOST") ?? s.Host,
            Port = Env("DISTNET_PORT") is { } port ? ParseInt(port, "DISTNET_PORT") : s.Port,
            PublicHost = Env("DISTNET_PUBLIC_HOST") ?? s.PublicHost,
            SeedNodes = Env("DISTNET_SEED_NODES") is { } seeds ? SplitList(seeds) : s.SeedNodes,
            WorkersPerNode = Env("DISTNET_WORKERS_PER_NODE") is { } w ? ParseInt(w, "DISTNET_WORKERS_PER_NODE") : s.WorkersPerNode,
            PsWorkers = Env("DISTNET_PS_WORKERS") is { } p ? ParseInt(p, "DISTNET_PS_WORKERS") : s.PsWorkers,
            MinWorkers = Env("DISTNET_MIN_WORKERS") is { } m ? ParseInt(m, "DISTNET_MIN_WORKERS") : s.MinWorkers,
            PsWait = Env("DISTNET_PS_WAIT") is { } wait ? TimeSpan.FromSeconds(ParseInt(wait, "DISTNET_PS_WAIT")) : s.PsWait,
            VectorChannel = Env("DISTNET_VECTOR_CHANNEL") is { } channel ? ParseSwitch(channel, "DISTNET_VECTOR_CHANNEL") : s.VectorChannel,
            VectorPort = Env("DISTNET_VECTOR_PORT") is { } vectorPort ? ParseInt(vectorPort, "DISTNET_VECTOR_PORT") : s.VectorPort,
            FirstLayerFactors = Env("DISTNET_FIRST_LAYER_FACTORS") is { } factors ? ChannelSettings.ParseFirstLayerFactors(factors, "DISTNET_FIRST_LAYER_FACTORS") : s.FirstLayerFactors,
            WorkerPoll = Env("DISTNET_WORKER_POLL") is { } poll ? TimeSpan.FromMilliseconds(ParseInt(poll, "DISTNET_WORKER_POLL")) : s.WorkerPoll,
            SharedMemory = Env("DISTNET_SHARED_MEMORY") is { } shared ? ParseSwitch(shared, "DISTNET_SHARED_MEMORY") : s.SharedMemory,
            PairCores = Env("DISTNET_PAIR_CORES") is { } pair ? ParseSwitch(pair, "DISTNET_PAIR_CORES") : s.PairCores,
            TlsCert = Env("DISTNET_TLS_CERT") ?? s.TlsCert,
            TlsKey = Env("DISTNET_TLS_KEY") ?? s.TlsKey,
        };
    }

    public void Validate()
    {
        if (Port is < 0 or > 65535) throw new ArgumentException($"port {Port} is not in 0..65535");
        if (VectorPort is < 0 or > 65535) throw new ArgumentException($"vector port {VectorPort} is not in 0..65535");
        if (WorkersPerNode < 1) throw new ArgumentException("--workers-per-node must be at least 1");
        if (PsWorkers < 0) throw new ArgumentException("--ps-workers cannot be negative");
        if (MinWorkers < 1) throw new ArgumentException("--min-workers must be at least 1");
        if (PsWait <= TimeSpan.Zero) throw new ArgumentException("--ps-wait must be at least 1 second");
        if (WorkerPoll < TimeSpan.Zero || WorkerPoll > TimeSpan.FromSeconds(1)) throw new ArgumentException("--worker-poll must be 0..1000 milliseconds");
        if (TlsCert.Length > 0 != TlsKey.Length > 0) throw new ArgumentException("TLS needs both --tls-cert and --tls-key");
        foreach (var seed in SeedNodes) SeedAddress(seed);
        if (Role == NodeRole.Worker && SeedNodes.Length == 0)
            throw new ArgumentException("a worker needs --seed-nodes (the parameter server's address, akka.tcp://distnet@HOST:PORT)");
    }

    /// <summary>
    /// A seed as Akka wants it: akka.tcp:// without TLS, akka.ssl.tcp:// with it. Users may write
    /// either scheme, or just HOST:PORT; the scheme follows the TLS setting, so that one list of
    /// seeds works for both.
    /// </summary>
    public string SeedAddress(string seed)
    {
        string rest = seed;
        foreach (var scheme in new[] { "akka.tcp://", "akka.ssl.tcp://" })
            if (seed.StartsWith(scheme, StringComparison.Ordinal)) rest = seed[scheme.Length..];
        if (rest.StartsWith("distnet@", StringComparison.Ordinal)) rest = rest["distnet@".Length..];
        int colon = rest.LastIndexOf(':');
        if (rest.Contains('/') || rest.Contains('@') || colon <= 0 || !int.TryParse(rest[(colon + 1)..], out var port) || port is <= 0 or > 65535)
            throw new ArgumentException($"seed node '{seed}' is not of the form akka.tcp://distnet@HOST:PORT (or HOST:PORT)");
        return (TlsEnabled ? "akka.ssl.tcp://distnet@" : "akka.tcp://distnet@") + rest;
    }

    /// <summary>These settings as HOCON, over the reference configuration.</summary>
    public Config ToConfig(Config reference)
    {
        string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
        var seeds = string.Join(", ", SeedNodes.Select(SeedAddress).Select(Quote));
        var hocon = $$"""
            distnet.node {
              role = {{Role.ToString().ToLowerInvariant()}}
              host = {{Quote(Host)}}
              port = {{Port}}
              public-host = {{Quote(PublicHost)}}
              seed-nodes = [{{seeds}}]
              workers-per-node = {{WorkersPerNode}}
              ps-workers = {{PsWorkers}}
              min-workers = {{MinWorkers}}
              ps-wait = {{(long)PsWait.TotalSeconds}}s
              vector-channel { enabled = {{(VectorChannel ? "on" : "off")}}, port = {{VectorPort}}, first-layer-factors = {{FirstLayerFactors.ToString().ToLowerInvariant()}}, worker-poll = {{(long)WorkerPoll.TotalMilliseconds}}ms, shared-memory = {{(SharedMemory ? "on" : "off")}}, pair-cores = {{(PairCores ? "on" : "off")}} }
              tls { cert = {{Quote(TlsCert)}}, key = {{Quote(TlsKey)}} }
            }
            akka.remote.dot-netty.tcp {
              hostname = {{Quote(Host)}}
              port = {{Port}}
              {{(PublicHost.Length > 0 ? "public-hostname = " + Quote(PublicHost) : "")}}
              enable-ssl = {{(TlsEnabled ? "true" : "false")}}
            }
            akka.cluster.roles = [{{Role.ToString().ToLowerInvariant()}}]
            akka.cluster.seed-nodes = [{{seeds}}]
            """;
        return ConfigurationFactory.ParseString(hocon).WithFallback(reference);
    }

    public static NodeRole ParseRole(string role) => role.ToLowerInvariant() switch
    {
        "ps" => NodeRole.Ps,
        "worker" => NodeRole.Worker,
        _ => throw new ArgumentException($"unknown role '{role}': expected ps or worker"),
    };

    public static bool ParseSwitch(string text, string name) => text.ToLowerInvariant() switch
    {
        "on" or "true" or "yes" or "1" => true,
        "off" or "false" or "no" or "0" => false,
        _ => throw new ArgumentException($"{name}='{text}' is not on or off"),
    };

    private static int ParseInt(string text, string name) =>
        int.TryParse(text, out var v) ? v : throw new ArgumentException($"{name}='{text}' is not a whole number");

    public static string[] SplitList(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
