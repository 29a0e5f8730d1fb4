using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using DistNet.Core.Training;

namespace DistNet.Cluster.Channel;

/// <summary>
/// The ps end of the vector channel: accepts workers' connections, checks their TLS certificate
/// (when TLS is on) and the job's token, and gives each accepted connection a <see cref="WorkerLink"/>.
/// When the cluster removes a node (it left, or the split-brain resolver downed it) the links of
/// that node stop even if their sockets still look open, so the server hears of the loss.
/// </summary>
public sealed class ChannelListener : ReceiveActor
{
    public const string Name = "vector-channel";

    private readonly TcpListener _listener;
    private readonly IActorRef _server;
    private readonly byte[] _token;
    private readonly ChannelSettings _settings;
    private readonly bool _followMembership;
    private readonly Func<FirstLayerGradient>? _firstLayer;
    private readonly Action<string>? _notice;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<IActorRef, string> _linkNodes = new();
    private int _unnamed;

    private sealed record Accepted(ChannelConnection Connection, ChannelHello Hello);
    private sealed record Refused(string Reason);

    /// <param name="listener">Already listening, so that its port can go into the job description before this actor starts.</param>
    /// <param name="firstLayer">
    /// When the ps holds the training data and the settings allow it: makes a link its own rebuilder
    /// of first-layer gradients that its worker sends as factors (every link with the setting on, with
    /// auto those of workers on other hosts).
    /// </param>
    /// <param name="notice">Where to say which workers share memory with the ps (the ps's output).</param>
    public ChannelListener(TcpListener listener, IActorRef server, byte[] token, ChannelSettings settings, bool followMembership,
        Func<FirstLayerGradient>? firstLayer, Action<string>? notice)
    {
        (_listener, _server, _token, _settings, _followMembership, _firstLayer, _notice) = (listener, server, token, settings, followMembership, firstLayer, notice);
        Receive<Accepted>(accepted =>
        {
            // Named after the worker and its node, which is how the server's notes name a lost worker.
            var node = Address.TryParse(accepted.Hello.NodeAddress, out var a) ? $"{a.Host}:{a.Port}" : $"{++_unnamed}";
            bool factors = _firstLayer is not null && (_settings.FirstLayerFactors == FirstLayerFactors.On || !accepted.Connection.PeerOnThisHost);
            if (factors) _log.Info("worker {0} ({1}) may send first-layer gradients as factors", accepted.Hello.WorkerId, accepted.Connection.Peer);
            if (accepted.Connection.SharesMemory)
                _notice?.Invoke($"worker {accepted.Hello.WorkerId} is on this host: its vectors go through shared memory (--shared-memory off: TCP)");
            var link = Context.ActorOf(WorkerLink.Props(accepted.Connection, accepted.Hello, _server, factors ? _firstLayer!() : null, _settings.PairCores),
                ActorPath.IsValidPathElement($"worker-{accepted.Hello.WorkerId}@{node}") ? $"worker-{accepted.Hello.WorkerId}@{node}" : $"worker-{accepted.Hello.WorkerId}-{++_unnamed}");
            Context.Watch(link);
            _linkNodes[link] = accepted.Hello.NodeAddress;
        });
        Receive<Refused>(refused => _log.Warning("{0}", refused.Reason));
        Receive<Terminated>(t => _linkNodes.Remove(t.ActorRef));
        Receive<ClusterEvent.MemberRemoved>(removed =>
        {
            string node = removed.Member.Address.ToString();
            foreach (var (link, _) in _linkNodes.Where(l => l.Value == node).ToList()) Context.Stop(link);
        });
        Receive<ClusterEvent.IMemberEvent>(_ => { });
    }

    /// <summary>Opens a listening socket on <paramref name="host"/> (port from the settings, 0 for any) and a fresh job token.</summary>
    public static (TcpListener Listener, byte[] Token) Open(string host, ChannelSettings settings)
    {
        var address = IPAddress.TryParse(host, out var ip) ? ip : Dns.GetHostAddresses(host).First();
        var listener = new TcpListener(address, settings.Port);
        try { listener.Start(); }
        catch (SocketException e) { throw new ChannelException($"cannot listen for vector channels on {host}:{settings.Port}: {e.Message}"); }
        return (listener, RandomNumberGenerator.GetBytes(ChannelConnection.TokenBytes));
    }

    public static Props Props(TcpListener listener, IActorRef server, byte[] token, ChannelSettings settings, bool followMembership,
        Func<FirstLayerGradient>? firstLayer = null, Action<string>? notice = null) =>
        Akka.Actor.Props.Create(() => new ChannelListener(listener, server, token, settings, followMembership, firstLayer, notice));

    protected override void PreStart()
    {
        if (_followMembership)
            Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
                typeof(ClusterEvent.IMemberEvent));
        var (self, token, settings) = (Self, _token, _settings);
        StartAccepting(_listener, socket =>
        {
            // Each handshake on its own task: a slow or silent peer holds up only itself, until the handshake timeout.
            _ = Task.Run(() =>
            {
                try
                {
                    var (connection, hello) = ChannelConnection.Accept(socket, token, settings);
                    self.Tell(new Accepted(connection, hello));
                }
                catch (ChannelException e) { self.Tell(new Refused(e.Message)); }
            });
        });
    }

    /// <summary>
    /// Accepts connections until the listener is stopped, with a blocking accept on a thread of its own:
    /// a socket accepted asynchronously would stay non-blocking for good, and so would every frame's
    /// wait on it (see <see cref="ChannelConnection"/>).
    /// </summary>
    /// <returns>The accepting thread, which ends when the listener is stopped.</returns>
    internal static Thread StartAccepting(TcpListener listener, Action<Socket> accepted)
    {
        var thread = new Thread(() =>
        {
            while (true)
            {
                Socket socket;
                try { socket = listener.AcceptSocket(); }
                catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException) { return; } // stopped
                accepted(socket);
            }
        })
        { IsBackground = true, Name = "vector channel accept" };
        thread.Start();
        return thread;
    }

    protected override void PostStop()
    {
        if (_followMembership) Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
        _listener.Stop();
    }
}
