using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using DistNet.Core.Data;
using DistNet.Training.Hosting;
using DistNet.Training.Workers;

namespace DistNet.Cluster.Job;

/// <summary>
/// Runs on a worker node: waits for the parameter server's node to be up, asks it for the job,
/// loads the training data itself from the job's data spec, and starts its worker actors. When
/// the ps node leaves or is gone, the node's work is over and it shuts down.
/// </summary>
public sealed class WorkerNode : ReceiveActor
{
    private readonly int _workers;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private Address? _psAddress;
    private bool _started;

    public WorkerNode(int workers)
    {
        _workers = workers;
        Receive<ClusterEvent.MemberUp>(up => OnMemberUp(up.Member));
        Receive<ClusterEvent.MemberRemoved>(removed =>
        {
            if (removed.Member.Address.Equals(_psAddress)) Shutdown("the parameter server left the cluster");
        });
        Receive<ClusterEvent.UnreachableMember>(u =>
        {
            if (u.Member.Address.Equals(_psAddress)) _log.Warning("parameter server {0} is unreachable", u.Member.Address);
        });
        Receive<JobDescription>(StartWorkers);
        Receive<ClusterEvent.IMemberEvent>(_ => { });
    }

    public static Props Props(int workers) => Akka.Actor.Props.Create(() => new WorkerNode(workers));

    protected override void PreStart() =>
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.UnreachableMember));

    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);

    private void OnMemberUp(Member member)
    {
        if (!member.HasRole("ps") || _started) return;
        _psAddress = member.Address;
        Context.ActorSelection(new RootActorPath(member.Address) / "user" / JobHost.Name).Tell(new RequestJob(_workers));
    }

    private void StartWorkers(JobDescription job)
    {
        if (_started) return;
        _started = true;
        Dataset train;
        try
        {
            train = DataLoader.Load(job.DataSpec, job.DataOptions).Train;
            if (job.Transform is { } transform) train = train.Transformed(transform);
        }
        catch (Exception e) when (e is DataException or ArgumentException or IOException)
        {
            _log.Error("cannot load the job's data: {0}", e.Message);
            Shutdown("the data could not be loaded");
            return;
        }
        var workerJob = new WorkerJob(job.Architecture, train, job.Penalty, job.Optimizer);
        for (int i = 0; i < _workers; i++)
        {
            int id = job.FirstWorkerId + i;
            Context.ActorOf(Worker.Props(id, job.Server, workerJob).WithDispatcher(AkkaConfig.PinnedDispatcher), $"worker-{id}");
        }
        _log.Info("started {0} workers ({1}..{2}) for {3}", _workers, job.FirstWorkerId, job.FirstWorkerId + _workers - 1, job.DataSpec);
    }

    private void Shutdown(string reason)
    {
        _log.Info("shutting down: {0}", reason);
        CoordinatedShutdown.Get(Context.System).Run(CoordinatedShutdown.ClrExitReason.Instance);
    }
}
