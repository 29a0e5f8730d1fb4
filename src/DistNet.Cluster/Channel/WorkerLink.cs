using Akka.Actor;
using Akka.Event;

namespace DistNet.Cluster.Channel;

/// <summary>
/// On the ps node, stands for one remote worker: the parameter server registers it as that worker
/// and sends it tasks, which it writes to the worker's channel connection; what the worker sends
/// comes back to the server with this actor as the sender. When the connection ends the link stops,
/// and the server, which watches it, counts the worker lost and deals its shards to the others.
/// </summary>
public sealed class WorkerLink : ReceiveActor
{
    private readonly ChannelConnection _connection;
    private readonly IActorRef _server;
    private readonly ChannelHello _hello;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public WorkerLink(ChannelConnection connection, ChannelHello hello, IActorRef server)
    {
        (_connection, _hello, _server) = (connection, hello, server);
        Receive<ChannelClosed>(closed =>
        {
            _log.Warning("vector channel of worker {0} ({1}) ended: {2}", _hello.WorkerId, _connection.Peer, closed.Reason);
            Context.Stop(Self);
        });
        ReceiveAny(message =>
        {
            try { _connection.Send(message); }
            catch (Exception e) when (e is IOException or ObjectDisposedException or ChannelException)
            {
                _log.Warning("cannot send to worker {0} ({1}): {2}", _hello.WorkerId, _connection.Peer, e.Message);
                Context.Stop(Self);
            }
        });
    }

    public static Props Props(ChannelConnection connection, ChannelHello hello, IActorRef server) =>
        Akka.Actor.Props.Create(() => new WorkerLink(connection, hello, server));

    protected override void PreStart()
    {
        var (self, server) = (Self, _server);
        _connection.StartReading(message => server.Tell(message, self), reason => self.Tell(new ChannelClosed(reason)));
    }

    protected override void PostStop() => _connection.Dispose();
}
