using Akka.Actor;

namespace DistNet.Training.Sweep;

/// <summary>
/// Spreads a sweep's candidates over the trainers: one candidate to each trainer at the start,
/// the next one to whichever trainer answers first (candidates differ a lot in cost, so pulling
/// work keeps every trainer busy), and answers the driver with the results in candidate order.
/// A trainer that stops has its candidate handed to another.
/// </summary>
public sealed class SweepCoordinator : ReceiveActor
{
    private readonly List<IActorRef> _idle;
    private readonly Dictionary<IActorRef, int> _busy = new();
    private readonly Queue<int> _pending = new();
    private readonly Action<CandidateTrained>? _onTrained;
    private int[][] _candidates = [];
    private CandidateTrained?[] _results = [];
    private int _done;
    private IActorRef? _replyTo;

    public SweepCoordinator(IReadOnlyList<IActorRef> trainers, Action<CandidateTrained>? onTrained)
    {
        _idle = trainers.ToList();
        _onTrained = onTrained;
        foreach (var trainer in trainers) Context.Watch(trainer);
        Receive<RunSweep>(Start);
        Receive<CandidateTrained>(OnTrained);
        Receive<Terminated>(t => OnTrainerLost(t.ActorRef));
    }

    public static Props Props(IReadOnlyList<IActorRef> trainers, Action<CandidateTrained>? onTrained = null) =>
        Akka.Actor.Props.Create(() => new SweepCoordinator(trainers, onTrained));

    private void Start(RunSweep run)
    {
        _replyTo = Sender;
        _candidates = run.Candidates;
        _results = new CandidateTrained?[run.Candidates.Length];
        for (int i = 0; i < run.Candidates.Length; i++) _pending.Enqueue(i);
        Dispatch();
        FinishIfDone();
    }

    private void OnTrained(CandidateTrained result)
    {
        // Only the answer from the trainer that holds the candidate counts.
        if (!_busy.Remove(Sender, out int index) || index != result.Index || _results[index] is not null) return;
        _results[index] = result;
        _done++;
        _onTrained?.Invoke(result);
        _idle.Add(Sender);
        Dispatch();
        FinishIfDone();
    }

    private void OnTrainerLost(IActorRef trainer)
    {
        _idle.Remove(trainer);
        if (_busy.Remove(trainer, out int index)) _pending.Enqueue(index);
        if (_idle.Count == 0 && _busy.Count == 0)
        {
            // Nobody left to train the rest: report them as failed rather than wait forever.
            while (_pending.TryDequeue(out int lost))
            {
                _results[lost] = new CandidateTrained(lost, _candidates[lost], -1, [], [], 0,
                    new CandidateScore(double.NaN, null), null, 0, "no candidate trainer left");
                _done++;
            }
        }
        Dispatch();
        FinishIfDone();
    }

    private void Dispatch()
    {
        while (_idle.Count > 0 && _pending.Count > 0)
        {
            var trainer = _idle[0];
            _idle.RemoveAt(0);
            int index = _pending.Dequeue();
            _busy[trainer] = index;
            trainer.Tell(new TrainCandidate(index, _candidates[index]));
        }
    }

    private void FinishIfDone()
    {
        if (_replyTo is null || _done < _results.Length) return;
        _replyTo.Tell(new SweepFinished(_results.Select(r => r!).ToArray()));
        _replyTo = null;
    }
}
