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
        """;

    /// <summary>The server's dispatcher: the thread it shares with worker 0 when it may (<see cref="LocalTraining.ServerCanShareAThread"/>), its own otherwise.</summary>
    public static string ServerDispatcher(bool shareWithWorker0) => shareWithWorker0 ? SharedDispatcher : PinnedDispatcher;

    /// <summary>An in-process worker's dispatcher: worker 0 takes turns with the server when they share, every other worker has its own thread.</summary>
    public static string WorkerDispatcher(int id, bool shareWithServer) => shareWithServer && id == 0 ? SharedDispatcher : PinnedDispatcher;

    /// <summary>
    /// On a worker node, worker k's thread, which it shares with the link that stands in for its
    /// server: the link writes the answer as soon as the worker has computed it, on the same thread,
    /// instead of waking a thread of the pool for it (docs/benchmarks.md, "Overlap and threads").
    /// </summary>
    public static string WorkerThread(int k) => $"distnet.worker-thread-{k}";

    /// <summary>HOCON declaring <see cref="WorkerThread"/> 0 .. count − 1, each one dedicated thread.</summary>
    public static string WorkerThreads(int count) => string.Join('\n', Enumerable.Range(0, count).Select(k =>
        $"{WorkerThread(k)} {{ type = ForkJoinDispatcher, throughput = 100, dedicated-thread-pool.thread-count = 1 }}"));

    public static Config Default => ConfigurationFactory.ParseString(Hocon);

    /// <summary>Every message is serialized and deserialized even in process: proves they could cross the wire.</summary>
    public static Config CheckingSerialization =>
        ConfigurationFactory.ParseString("akka.actor.serialize-messages = on").WithFallback(Default);
}
