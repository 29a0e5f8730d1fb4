using System.Security.Cryptography.X509Certificates;
using Akka.Configuration;

namespace DistNet.Cluster.Channel;

/// <summary>
/// How the vector channel runs, from `distnet.node.vector-channel` (reference.conf) and the node's
/// TLS settings: the channel uses the same certificate as Akka.Remote, pinned the same way.
/// </summary>
public sealed record ChannelSettings(
    bool Enabled,
    int Port,
    int MaxFrameBytes,
    TimeSpan SendTimeout,
    TimeSpan HandshakeTimeout,
    X509Certificate2? Certificate,
    FirstLayerFactors FirstLayerFactors = FirstLayerFactors.Auto,
    TimeSpan WorkerPoll = default,
    bool SharedMemory = true,
    long SharedRingBytes = 4 << 20,
    bool PairCores = false)
{
    public static FirstLayerFactors ParseFirstLayerFactors(string text, string name) => text.ToLowerInvariant() switch
    {
        "auto" => FirstLayerFactors.Auto,
        "on" or "true" or "yes" => FirstLayerFactors.On,
        "off" or "false" or "no" => FirstLayerFactors.Off,
        _ => throw new ArgumentException($"{name}='{text}' is not auto, on or off"),
    };

    public static ChannelSettings FromConfig(Config config)
    {
        var channel = config.GetConfig("distnet.node.vector-channel");
        string cert = config.GetString("distnet.node.tls.cert", ""), key = config.GetString("distnet.node.tls.key", "");
        return new ChannelSettings(
            channel.GetBoolean("enabled", true),
            channel.GetInt("port", 0),
            // One limit for a message, whichever way it travels.
            (int)Math.Min(int.MaxValue, config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size") ?? 64L << 20),
            channel.GetTimeSpan("send-timeout", TimeSpan.FromSeconds(30)),
            channel.GetTimeSpan("handshake-timeout", TimeSpan.FromSeconds(10)),
            cert.Length > 0 && key.Length > 0 ? Tls.Load(cert, key) : null,
            ParseFirstLayerFactors(channel.GetString("first-layer-factors", "auto"), "distnet.node.vector-channel.first-layer-factors"),
            channel.GetTimeSpan("worker-poll", TimeSpan.FromMilliseconds(2)),
            channel.GetBoolean("shared-memory", true),
            RingBytes(channel.GetByteSize("shared-memory-ring") ?? 4 << 20),
            channel.GetBoolean("pair-cores", false));
    }

    private static long RingBytes(long bytes) => bytes is >= Channel.SharedMemory.MinRingBytes and <= Channel.SharedMemory.MaxRingBytes
        ? bytes
        : throw new ArgumentException($"distnet.node.vector-channel.shared-memory-ring = {bytes} bytes is not between 64KiB and 1GiB");
}

/// <summary>
/// Whether workers may send the first layer's weight gradient as its factors (docs/cluster.md,
/// "Gradients as factors"): always, never, or only workers on other hosts, whose bytes cross a real
/// network (on one host a vector moves at memory speed, and the ps's rebuilding costs as much as it saves).
/// </summary>
public enum FirstLayerFactors { Auto, On, Off }

/// <summary>Where a worker reaches the ps's vector channel, and the job's secret it must present there.</summary>
public sealed record ChannelEndpoint(string Host, int Port, byte[] Token);
