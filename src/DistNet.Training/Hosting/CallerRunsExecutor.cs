using Akka.Configuration;
using Akka.Dispatch;

namespace DistNet.Training.Hosting;

/// <summary>
/// Runs an actor's mailbox on the thread that sends to it, instead of handing it to another thread.
/// A worker node's vector channel reader uses it (<see cref="AkkaConfig.ChannelReaderDispatcher"/>):
/// the thread that reads a task computes it and writes the answer, with no thread woken in between.
/// Akka still runs one actor on one thread at a time: a send to a mailbox that is running elsewhere
/// only enqueues.
/// </summary>
/// <remarks>
/// Mailboxes scheduled while one runs on this thread (the worker answering its link, the link
/// stopping its worker) wait in a queue of the thread's and run when the current one returns:
/// a chain of sends between such actors runs flat, not nested on the stack.
/// </remarks>
public sealed class CallerRunsExecutor(string id) : ExecutorService(id)
{
    [ThreadStatic] private static Queue<IRunnable>? _scheduled;

    public override void Execute(IRunnable run)
    {
        if (_scheduled is { } waiting)
        {
            waiting.Enqueue(run);
            return;
        }
        var queue = _scheduled = new Queue<IRunnable>();
        try
        {
            run.Run();
            while (queue.TryDequeue(out var next)) next.Run();
        }
        finally
        {
            _scheduled = null;
        }
    }

    public override void Shutdown() { }
}

/// <summary>Named in HOCON as a dispatcher's <c>executor</c>.</summary>
public sealed class CallerRunsExecutorConfigurator(Config config, IDispatcherPrerequisites prerequisites)
    : ExecutorServiceConfigurator(config, prerequisites)
{
    public override ExecutorService Produce(string id) => new CallerRunsExecutor(id);
}
