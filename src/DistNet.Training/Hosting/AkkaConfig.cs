using Akka.Configuration;

namespace DistNet.Training.Hosting;

/// <summary>
/// The HOCON every DistNet actor system starts from. Workers get a thread each (a pinned
/// dispatcher): their work is long, CPU-bound matrix products that would otherwise hold
/// threads of the shared pool. The parameter server gets its own thread too, except in the one
/// case where it has nothing to do while workers compute, a plain sync run (see
/// <see cref="LocalTraining"/>): there it shares worker 0's thread, because handing each step
/// between two threads (waking one, moving a model's weights and gradient between two cores'
/// caches) cost 15–20 % of a 784-256-128-10 step (docs/benchmarks.md).
/// DistNet's messages are bound to Hyperion so that they can cross process boundaries.
/// </summary>
public static class AkkaConfig
{
    /// <summary>One thread per actor.</summary>
    public const string PinnedDispatcher = "distnet.worker-dispatcher";

    /// <summary>One thread that the actors given it take turns on.</summary>
    public const string SharedDispatcher = "distnet.shared-dispatcher";

    /// <summary>
    /// On a worker node, where a worker and the link that stands in for its server run: on the
    /// thread that sends to them (<see cref="CallerRunsExecutor"/>), which is the link's channel
    /// reader. It reads a task, computes it, writes the answer and reads the next, with no hand-off
    /// to another thread (docs/benchmarks.md, "A worker on its channel's reader thread").
    /// </summary>
    public const string ChannelReaderDispatcher = "distnet.channel-reader-dispatcher";

    public const string Hocon = """
        akka {
          loglevel = WARNING
          stdout-loglevel = WARNING
          log-dead-letters = off
          log-dead-letters-during-shutdown = off
          actor {
            guardian-supervisor-strategy = "DistNet.Training.Hosting.RestartQuietly, DistNet.Training"
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
        distnet.shared-dispatcher {
          type = ForkJoinDispatcher
          throughput = 100
          dedicated-thread-pool {
            thread-count = 1
          }
        }
        distnet.channel-reader-dispatcher {
          type = Dispatcher
          throughput = 100
          executor = "DistNet.Training.Hosting.CallerRunsExecutorConfigurator, DistNet.Training"
        }
        """;

    /// <summary>The server's dispatcher: the thread it shares with worker 0 when it may (<see cref="LocalTraining.ServerCanShareAThread"/>), its own otherwise.</summary>
    public static string ServerDispatcher(bool shareWithWorker0) => shareWithWorker0 ? SharedDispatcher : PinnedDispatcher;

    /// <summary>An in-process worker's dispatcher: worker 0 takes turns with the server when they share, every other worker has its own thread.</summary>
    public static string WorkerDispatcher(int id, bool shareWithServer) => shareWithServer && id == 0 ? SharedDispatcher : PinnedDispatcher;

    public static Config Default => ConfigurationFactory.ParseString(Hocon);

    /// <summary>Every message is serialized and deserialized even in process: proves they could cross the wire.</summary>
    public static Config CheckingSerialization =>
        ConfigurationFactory.ParseString("akka.actor.serialize-messages = on").WithFallback(Default);
}
