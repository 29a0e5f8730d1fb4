using Akka.Actor;

namespace DistNet.Cluster.Job;

/// <summary>
/// Lives on the ps node at /user/job and tells each worker node that asks what the job is and
/// which worker ids to use (ids are handed out once, so they never clash across nodes).
/// </summary>
public sealed class JobHost : ReceiveActor
{
    public const string Name = "job";
    private int _nextWorkerId;

    /// <param name="template">The job; its FirstWorkerId is the first id to hand out (the ps's own workers take those below).</param>
    public JobHost(JobDescription template)
    {
        _nextWorkerId = template.FirstWorkerId;
        Receive<RequestJob>(request =>
        {
            Sender.Tell(template with { FirstWorkerId = _nextWorkerId });
            _nextWorkerId += request.Workers;
        });
    }

    public static Props Props(JobDescription template) => Akka.Actor.Props.Create(() => new JobHost(template));
}
