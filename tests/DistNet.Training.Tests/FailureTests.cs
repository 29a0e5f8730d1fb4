using Akka.Actor;
using DistNet.Core.Training;
using DistNet.Training.Hosting;
using DistNet.Training.Workers;

namespace DistNet.Training.Tests;

public class FailureTests
{
    private static readonly Lazy<float[]> Clean = new(() =>
    {
        var data = TrainingFixtures.Digits;
        return LocalTraining.Run(TrainingFixtures.DigitsModel(), data.Train, data.Validation, TrainingFixtures.Settings(),
            new DistributedSettings { Workers = 3 }).Model.Parameters;
    });

    /// <summary>The digits job with 3 workers (or <paramref name="distributed"/>), as every failure test runs it.</summary>
    internal static DistributedResult Run(Func<int, IWorkerFaults>? faults = null, DistributedSettings? distributed = null,
        Action<ActorSystem, IActorRef[]>? onStarted = null, ITrainingObserver? observer = null)
    {
        var data = TrainingFixtures.Digits;
        return LocalTraining.Run(TrainingFixtures.DigitsModel(), data.Train, data.Validation, TrainingFixtures.Settings(),
            distributed ?? new DistributedSettings { Workers = 3 }, observer, faults, onStarted: onStarted);
    }

    [Fact]
    public void A_worker_stopped_mid_epoch_is_removed_and_its_shards_go_to_the_others()
    {
        IActorRef[] workers = [];
        ActorSystem? system = null;
        // A PoisonPill is handled by the worker on its own thread, right after what it is doing;
        // system.Stop would go through the user guardian on the shared thread pool, which a busy
        // test run can starve until training is over.
        var stopper = new StopAt(epoch: 2, batch: 10, () => workers[1].Tell(PoisonPill.Instance));
        var result = Run(onStarted: (s, w) => (system, workers) = (s, w), observer: stopper);
        Assert.True(stopper.Fired);
        Assert.True(result.Stats.WorkersLost == 1, $"{result.Stats}; notices: {string.Join(" | ", stopper.Notices)}");
        Assert.True(result.LedgerExactlyOnce, string.Join(", ", result.Finished.Ledger));
        Assert.Equal(Clean.Value, result.Model.Parameters);
    }

    [Fact]
    public void A_worker_that_throws_is_restarted_and_its_work_redone()
    {
        var crashing = new TestFaults { ThrowOnTask = 7 };
        var result = Run(faults: i => i == 0 ? crashing : NoFaults.Instance);
        Assert.Equal(4, result.Stats.Registrations); // three, and the restarted one again
        Assert.True(result.Stats.Reassigned >= 1);
        Assert.True(result.LedgerExactlyOnce);
        Assert.Equal(Clean.Value, result.Model.Parameters);
    }

    [Fact]
    public void A_gradient_with_NaN_is_refused_counted_and_recomputed()
    {
        var corrupting = new TestFaults { CorruptOnTask = 5 };
        var result = Run(faults: i => i == 1 ? corrupting : NoFaults.Instance);
        Assert.Equal(1, result.Stats.RefusedGradients);
        Assert.True(result.LedgerExactlyOnce);
        Assert.Equal(Clean.Value, result.Model.Parameters);
    }

    [Fact]
    public void Late_answers_after_a_timeout_are_recognised_and_never_applied_twice()
    {
        // Worker 2 sits on its third task for 800 ms; after 100 ms the task goes to another
        // worker. The others take 10 ms a task (about 1.2 s in all), so training is still on when
        // the late answer comes. Wide margins: on a loaded 2-core machine threads wait their turn.
        var slowOnce = new SlowOnce(task: 3, TimeSpan.FromMilliseconds(800));
        var steady = new TestFaults { Delay = TimeSpan.FromMilliseconds(10) };
        var result = Run(faults: i => i == 2 ? slowOnce : steady,
            distributed: new DistributedSettings { Workers = 3, TaskTimeout = TimeSpan.FromMilliseconds(100) });
        Assert.True(result.Stats.TimedOut >= 1, result.Stats.ToString());
        Assert.True(result.Stats.StaleAnswers >= 1, result.Stats.ToString());
        Assert.True(result.LedgerExactlyOnce);
        Assert.Equal(Clean.Value, result.Model.Parameters);
    }

    [Fact]
    public void A_timeout_beyond_the_clocks_range_means_never()
    {
        // Its deadline would overflow the Stopwatch timestamp; wrapped round, every task timed out at once.
        var result = Run(distributed: new DistributedSettings { Workers = 3, TaskTimeout = TimeSpan.MaxValue });
        Assert.Equal(0, result.Stats.TimedOut);
        Assert.Equal(Clean.Value, result.Model.Parameters);
    }

    [Fact]
    public void Backup_workers_let_steps_go_on_without_the_straggler()
    {
        var data = TrainingFixtures.Digits;
        var slow = new TestFaults { Delay = TimeSpan.FromMilliseconds(10) };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = LocalTraining.Run(TrainingFixtures.DigitsModel(), data.Train, data.Validation, TrainingFixtures.Settings(epochs: 10),
            new DistributedSettings { Workers = 3, BackupWorkers = 1 }, faults: i => i == 2 ? slow : NoFaults.Instance);
        // 400 steps; waiting for the straggler would take at least 400 × 10 ms = 4 s.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"took {clock.Elapsed}");
        Assert.True(slow.Tasks < 200, $"the straggler got {slow.Tasks} tasks; steps should not wait for it");
        Assert.True(result.Stats.DroppedLate >= 1, $"the straggler's answers arrive after their steps ({clock.Elapsed})");
        Assert.Equal(400, result.Stats.Updates);
        // By design the straggler's samples are left out: the ledger shows them missing.
        Assert.False(result.LedgerExactlyOnce);
    }

    private sealed class StopAt(int epoch, int batch, Action action) : ITrainingObserver
    {
        public bool Fired { get; private set; }
        public List<string> Notices { get; } = new();

        public void OnNotice(string message)
        {
            lock (Notices) Notices.Add(message);
        }

        public void OnBatch(int e, int b, int batchesPerEpoch, double runningLoss)
        {
            if (Fired || e != epoch || b != batch) return;
            Fired = true;
            action();
        }
    }
}
