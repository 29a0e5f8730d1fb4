using System.Diagnostics;
using Akka.Actor;
using DistNet.Core.Nn;
using DistNet.Core.Training;

namespace DistNet.Training.Sweep;

/// <summary>
/// Trains whole candidates, one at a time, with the core's single-threaded <see cref="Trainer"/>:
/// the task parallelism of a sweep (many small models side by side), next to the data
/// parallelism of `distnet train` (one model, its batches split over workers). A candidate
/// trains exactly as it would alone — same seed, same settings — whichever trainer gets it.
/// </summary>
public sealed class CandidateTrainer : ReceiveActor
{
    private readonly int _id;
    private readonly SweepJob _job;

    public CandidateTrainer(int id, SweepJob job)
    {
        (_id, _job) = (id, job);
        Receive<TrainCandidate>(Train);
    }

    public static Props Props(int id, SweepJob job) => Akka.Actor.Props.Create(() => new CandidateTrainer(id, job));

    private void Train(TrainCandidate task)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var result = Trainer.Train(_job.InitialModel(task.Hidden), _job.Train, _job.Validation, _job.Settings);
            double seconds = clock.Elapsed.TotalSeconds;
            Sender.Tell(new CandidateTrained(task.Index, task.Hidden, _id, result.Model.Parameters, result.History.ToArray(),
                result.BestEpoch, Score(result.Model, _job.Train)!, Score(result.Model, _job.Validation), seconds, null));
        }
        catch (Exception e)
        {
            // Answer rather than throw: a restart would lose the task, and one candidate that
            // diverges (or has a shape the data cannot take) must not stop the others.
            var nothing = new CandidateScore(double.NaN, null);
            Sender.Tell(new CandidateTrained(task.Index, task.Hidden, _id, [], [], 0, nothing,
                _job.Validation.Count > 0 ? nothing : null, clock.Elapsed.TotalSeconds, Describe(e)));
        }
    }

    // With a penalty on, NaN weights make the penalty's MathF.Sign throw before the trainer's
    // own end-of-epoch check can say "diverged"; say it in the trainer's words.
    private static string Describe(Exception e) => e is ArithmeticException && e.Message.Contains("Not-a-Number")
        ? "training diverged: a weight became NaN; try a smaller --lr"
        : e.Message;

    private static CandidateScore? Score(Mlp model, Core.Data.Dataset data)
    {
        if (data.Count == 0) return null;
        var evaluation = Evaluation.Of(model, data, Penalty.None);
        return new CandidateScore(evaluation.Loss, evaluation.Accuracy);
    }
}
