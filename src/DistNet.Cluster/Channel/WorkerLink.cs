using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Event;
using DistNet.Core.Linear;
using DistNet.Core.Training;
using DistNet.Training.Telemetry;
using DistNet.Training.Workers;

namespace DistNet.Cluster.Channel;

/// <summary>
/// On the ps node, stands for one remote worker: the parameter server registers it as that worker
/// and sends it tasks, which it writes to the worker's channel connection; what the worker sends
/// comes back to the server with this actor as the sender. When the connection ends the link stops,
/// and the server, which watches it, counts the worker lost and deals its shards to the others.
/// With a <see cref="FirstLayerGradient"/>, it lets the worker answer with the first layer's weight
/// gradient as factors and rebuilds that region on its reader thread, so the server sees whole gradients.
/// </summary>
public sealed class WorkerLink : ReceiveActor
{
    private readonly ChannelConnection _connection;
    private readonly IActorRef _server;
    private readonly ChannelHello _hello;
    private readonly FirstLayerGradient? _firstLayer;
    private readonly bool _pairCores;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    /// <param name="pairCores">Read this worker's answers on its core, when it is on this host (<see cref="CorePairing"/>).</param>
    public WorkerLink(ChannelConnection connection, ChannelHello hello, IActorRef server, FirstLayerGradient? firstLayer, bool pairCores)
    {
        (_connection, _hello, _server, _firstLayer, _pairCores) = (connection, hello, server, firstLayer, pairCores);
        Receive<ChannelClosed>(closed =>
        {
            _log.Warning("vector channel of worker {0} ({1}) ended: {2}", _hello.WorkerId, _connection.Peer, closed.Reason);
            Context.Stop(Self);
        });
        ReceiveAny(message =>
        {
            if (_firstLayer is not null && message is ComputeGradients task) message = task with { FactorFirstLayer = true };
            try { _connection.Send(message); }
            catch (Exception e) when (e is IOException or ObjectDisposedException or ChannelException)
            {
                _log.Warning("cannot send to worker {0} ({1}): {2}", _hello.WorkerId, _connection.Peer, e.Message);
                Context.Stop(Self);
            }
        });
    }

    public static Props Props(ChannelConnection connection, ChannelHello hello, IActorRef server, FirstLayerGradient? firstLayer = null, bool pairCores = false) =>
        Akka.Actor.Props.Create(() => new WorkerLink(connection, hello, server, firstLayer, pairCores));

    protected override void PreStart()
    {
        var (self, server, firstLayer) = (Self, _server, _firstLayer);
        _connection.StartReading(message => server.Tell(Rebuild(message, firstLayer), self), reason => self.Tell(new ChannelClosed(reason)), default,
            CorePairing.CoreFor(_hello.WorkerId, _pairCores, _connection));
    }

    /// <summary>
    /// An answer whose first-layer weights came as factors, with that region filled in (on the reader
    /// thread, counted in the answer's decoding time); anything else as it is. A factored answer that
    /// was not asked for or does not fit the model or the data is malformed: it ends the connection.
    /// </summary>
    internal static object Rebuild(object message, FirstLayerGradient? firstLayer)
    {
        if (message is not GradientsComputed { Shards: var blocks } answer || blocks.All(b => b.FirstLayer is null)) return message;
        if (firstLayer is null) throw new SerializationException("an answer with first-layer factors that this link did not ask for");
        long start = Clock.Now;
        var whole = new ShardGradient[blocks.Length];
        for (int i = 0; i < blocks.Length; i++)
        {
            var block = blocks[i];
            if (block.FirstLayer is not { } factors) { whole[i] = block; continue; }
            if (factors.Length != firstLayer.Length)
                throw new SerializationException($"first-layer factors for {factors.Length} weights, the model has {firstLayer.Length}");
            try { firstLayer.Fill(block.Level, factors.Shards.Select(f => (f.Samples, f.Delta)).ToList(), block.Gradient); }
            catch (ArgumentException e) { throw new SerializationException($"malformed first-layer factors: {e.Message}"); }
            foreach (var f in factors.Shards) VectorPool.Return(f.Delta);
            whole[i] = block with { FirstLayer = null };
        }
        var wire = answer.Wire is { } w ? w with { DecodeNs = w.DecodeNs + Clock.Ns(start, Clock.Now) } : null;
        return answer with { Shards = whole, Wire = wire };
    }

    protected override void PostStop() => _connection.Dispose();
}
