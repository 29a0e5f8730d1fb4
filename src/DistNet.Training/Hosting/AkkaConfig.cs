using Akka.Configuration;

namespace DistNet.Training.Hosting;

/// <summary>
/// The HOCON every DistNet actor system starts from. Workers get a thread each (a pinned
/// dispatcher): their work is long, CPU-bound matrix products that would otherwise hold
/// threads of the shared pool; the parameter server stays on the default dispatcher.
/// DistNet's messages are bound to Hyperion so that they can cross process boundaries.
/// </summary>
public static class AkkaConfig
{
    public const string Hocon = """
        akka {
          loglevel = WARNING
          stdout-loglevel = WARNING
          log-dead-letters = off
          log-dead-letters-during-shutdown = off
          actor {
            serializers.hyperion = "Akka.Serialization.HyperionSerializer, Akka.Serialization.Hyperion"
            serialization-bindings {
              "DistNet.Training.IDistNetMessage, DistNet.Training" = hyperion
            }
          }
        }
        distnet.worker-dispatcher {
          type = PinnedDispatcher
          executor = thread-pool-executor
        }
        """;

    public static Config Default => ConfigurationFactory.ParseString(Hocon);

    /// <summary>Every message is serialized and deserialized even in process: proves they could cross the wire.</summary>
    public static Config CheckingSerialization =>
        ConfigurationFactory.ParseString("akka.actor.serialize-messages = on").WithFallback(Default);
}
