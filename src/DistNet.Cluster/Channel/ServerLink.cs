using Akka.Actor;
using Akka.Event;
using DistNet.Core.Linear;
using DistNet.Training.Hosting;
using DistNet.Training.Workers;

namespace DistNet.Cluster.Channel;

/// <summary>
/// On a worker node, stands for the parameter server to one worker: it opens the worker's vector
/// channel to the ps, starts the worker as its child with itself as the worker's server, writes the
/// worker's messages (registration, answers) to the connection and hands it the tasks that arrive.
/// The worker is the same actor that runs in process; only its server is a stand-in. When the
/// connection cannot be opened or ends, the link stops, and the worker with it.
/// </summary>
public sealed class ServerLink : ReceiveActor
{
    private readonly ChannelEndpoint _endpoint;
    private readonly ChannelHello _hello;
    private readonly WorkerJob _job;
    private readonly ChannelSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private ChannelConnection? _connection;

    public ServerLink(ChannelEndpoint endpoint, ChannelHello hello, WorkerJob job, ChannelSettings settings)
    {
        (_endpoint, _hello, _job, _settings) = (endpoint, hello, job, settings);
        Receive<ChannelClosed>(closed =>
        {
            _log.Info("vector channel of worker {0} to the parameter server ended: {1}", _hello.WorkerId, closed.Reason);
            Context.Stop(Self);
        });
        ReceiveAny(message =>
        {
            try
            {
                _connection!.Send(message);
                // In process the server would take these over and recycle them; here they are on the wire, done with.
                if (message is GradientsComputed answer)
                    foreach (var shard in answer.Shards)
                    {
                        VectorPool.Return(shard.Gradient);
                        foreach (var factor in shard.FirstLayer?.Shards ?? []) VectorPool.Return(factor.Delta);
                    }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or ChannelException)
            {
                _log.Warning("worker {0} cannot send to the parameter server: {1}", _hello.WorkerId, e.Message);
                Context.Stop(Self);
            }
        });
    }

    /// <summary>
    /// The link and its worker run on the connection's reader thread (<see cref="AkkaConfig.ChannelReaderDispatcher"/>):
    /// a task is computed on the thread that read it and the answer written by the thread that computed it.
    /// </summary>
    public static Props Props(ChannelEndpoint endpoint, ChannelHello hello, WorkerJob job, ChannelSettings settings) =>
        Akka.Actor.Props.Create(() => new ServerLink(endpoint, hello, job, settings)).WithDispatcher(AkkaConfig.ChannelReaderDispatcher);

    protected override void PreStart()
    {
        try
        {
            _connection = ChannelConnection.Connect(_endpoint, _hello, _settings);
        }
        catch (ChannelException e)
        {
            _log.Error("worker {0}: {1}", _hello.WorkerId, e.Message);
            Context.Stop(Self);
            return;
        }
        var worker = Context.ActorOf(Worker.Props(_hello.WorkerId, Self, _job).WithDispatcher(Context.Props.Dispatcher), $"worker-{_hello.WorkerId}");
        var self = Self;
        _connection.StartReading(message => worker.Tell(message, self), reason => self.Tell(new ChannelClosed(reason)), _settings.WorkerPoll,
            CorePairing.CoreFor(_hello.WorkerId, _settings.PairCores, _connection));
    }

    protected override void PostStop() => _connection?.Dispose();
}
