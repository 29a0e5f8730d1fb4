using System.Reflection;
using Akka.Configuration;
using DistNet.Training.Hosting;

namespace DistNet.Cluster;

/// <summary>The embedded reference.conf, on top of the in-process defaults of the actors.</summary>
public static class NodeConfig
{
    public static Config Reference { get; } = Load();

    private static Config Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("DistNet.Cluster.reference.conf")
            ?? throw new InvalidOperationException("reference.conf is not embedded");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd()).WithFallback(AkkaConfig.Default);
    }
}
