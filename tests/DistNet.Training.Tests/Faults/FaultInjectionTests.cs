using DistNet.Core.Checkpoints;
using DistNet.Core.Training;
using DistNet.Training.Faults;
using DistNet.Training.Hosting;
using DistNet.Training.Server;

namespace DistNet.Training.Tests.Faults;

/// <summary>
/// Every kind of fault a plan can inject, in process, against the fault-free run: training
/// completes, every sample counts once per epoch, and in sync mode the model is the same bits
/// (3 workers, 8 micro-shards, digits, 3 epochs).
/// </summary>
public class FaultInjectionTests
{
    private static readonly Lazy<float[]> Clean = new(() => Run(FaultPlan.Empty).Model.Parameters);

    private static int StepsPerEpoch => EpochPlan.BatchesPerEpoch(TrainingFixtures.Digits.Train.Count, TrainingFixtures.Settings().BatchSize);

    private static DistributedResult Run(FaultPlan plan, DistributedSettings? distributed = null, CheckpointSettings? checkpoints = null,
        int epochs = 3, List<string>? notices = null)
    {
        var data = TrainingFixtures.Digits;
        var injector = plan.IsEmpty ? null : new FaultInjector(plan.WithDefaultSeed(1), StepsPerEpoch);
        return LocalTraining.Run(TrainingFixtures.DigitsModel(), data.Train, data.Validation, TrainingFixtures.Settings(epochs),
            distributed ?? new DistributedSettings { Workers = 3, TaskTimeout = TimeSpan.FromMilliseconds(300) },
            observer: notices is null ? null : new Notices(notices), injector: injector, checkpoints: checkpoints);
    }

    private static FaultPlan Plan(params string[] options) => FaultPlan.ParseOptions(options);

    private static void AssertLikeClean(DistributedResult result)
    {
        Assert.Null(result.Finished.Failure);
        Assert.True(result.LedgerExactlyOnce, string.Join(", ", result.Finished.Ledger));
        Assert.Equal(3, result.Finished.Ledger.Length);
        Assert.Equal(Clean.Value, result.Model.Parameters);
    }

    [Fact]
    public void A_killed_worker_is_noticed_and_the_others_finish()
    {
        var result = Run(Plan("kill-worker:worker=1,step=20"));
        Assert.Equal(1, result.Stats.WorkersLost);
        AssertLikeClean(result);
    }

    [Fact]
    public void A_killed_worker_restarted_later_rejoins_and_works()
    {
        var result = Run(Plan("kill-worker:worker=2,step=10,restart-after=15"));
        Assert.Equal(1, result.Stats.WorkersLost);
        Assert.Equal(4, result.Stats.Registrations);
        AssertLikeClean(result);
    }

    [Fact]
    public void A_crashed_server_is_restarted_and_resumes_from_its_last_checkpoint()
    {
        using var directory = new TempDirectory();
        var notices = new List<string>();
        var result = Run(Plan("crash-server:step=50"), checkpoints: new CheckpointSettings(directory.Path, Every: 10), notices: notices);
        Assert.Equal(1, result.Stats.ServerRestarts);
        Assert.Equal(40, result.Stats.ResumedFromStep); // step 50 starts after 49 updates; the last checkpoint was at 40
        Assert.Contains(notices, n => n.Contains("parameter server restarted"));
        AssertLikeClean(result);
    }

    [Fact]
    public void A_crashed_server_without_checkpoints_starts_over_and_still_ends_the_same()
    {
        var result = Run(Plan("crash-server:step=20"));
        Assert.Equal(1, result.Stats.ServerRestarts);
        Assert.Equal(-1, result.Stats.ResumedFromStep);
        AssertLikeClean(result);
    }

    [Fact]
    public void Dropped_answers_are_noticed_by_timeout_and_recomputed()
    {
        var result = Run(Plan("drop:message=gradient,probability=0.1,step=5,steps=15"));
        Assert.True(result.Stats.TimedOut >= 1, $"timed out: {result.Stats.TimedOut}");
        AssertLikeClean(result);
    }

    [Fact]
    public void Dropped_tasks_are_noticed_by_timeout_and_sent_again()
    {
        var result = Run(Plan("drop:message=task,probability=0.1,step=5,steps=15"));
        Assert.True(result.Stats.TimedOut >= 1, $"timed out: {result.Stats.TimedOut}");
        AssertLikeClean(result);
    }

    [Fact]
    public void Duplicated_messages_are_recognised_and_applied_once()
    {
        var result = Run(Plan("duplicate:message=any,probability=0.3,step=1,steps=60"));
        Assert.True(result.Stats.StaleAnswers >= 1, $"stale answers: {result.Stats.StaleAnswers}");
        AssertLikeClean(result);
    }

    [Fact]
    public void Delayed_messages_change_nothing_in_sync_mode()
    {
        var result = Run(Plan("delay:message=any,probability=0.3,distribution=uniform:1-15,step=1,steps=60"));
        AssertLikeClean(result);
    }

    [Fact]
    public void A_partitioned_worker_is_worked_around()
    {
        var result = Run(Plan("partition:worker=1,step=10,steps=10"));
        Assert.True(result.Stats.TimedOut >= 1, $"timed out: {result.Stats.TimedOut}");
        AssertLikeClean(result);
    }

    [Fact]
    public void A_slow_worker_changes_nothing_in_sync_mode()
    {
        var result = Run(Plan("slow-worker:worker=0,step=1,steps=30,delay-ms=3"));
        AssertLikeClean(result);
    }

    [Theory]
    [InlineData("nan")]
    [InlineData("inf")]
    [InlineData("huge")]
    public void A_corrupt_gradient_is_refused_counted_and_recomputed(string value)
    {
        var result = Run(Plan($"corrupt-gradient:worker=1,step=12,value={value}"));
        Assert.Equal(1, result.Stats.RefusedGradients);
        AssertLikeClean(result);
    }

    [Fact]
    public void Async_training_survives_a_kill_and_lost_messages()
    {
        var result = Run(Plan("kill-worker:worker=1,step=20", "drop:message=gradient,probability=0.05,step=1,steps=30"),
            new DistributedSettings { Workers = 3, Mode = TrainingMode.Async, TaskTimeout = TimeSpan.FromMilliseconds(300) });
        Assert.Null(result.Finished.Failure);
        Assert.True(result.LedgerExactlyOnce, string.Join(", ", result.Finished.Ledger));
    }

    [Fact]
    public void A_resumed_run_ends_identical_to_an_uninterrupted_one()
    {
        using var directory = new TempDirectory();
        // An interrupted run: 2 of 3 epochs, checkpoints every 25 steps; then 3 epochs from its last checkpoint, on 2 workers.
        var first = Run(FaultPlan.Empty, checkpoints: new CheckpointSettings(directory.Path, Every: 25), epochs: 2);
        int last = 2 * StepsPerEpoch / 25 * 25;
        Assert.Equal(last / 25, first.Stats.CheckpointsWritten);
        var resumed = Run(FaultPlan.Empty, new DistributedSettings { Workers = 2 },
            new CheckpointSettings(directory.Path, Every: 25, Resume: true), epochs: 3);
        Assert.Equal(last, resumed.Stats.ResumedFromStep);
        Assert.Equal(Clean.Value, resumed.Model.Parameters);
        Assert.Equal(3, resumed.History.Count);
    }

    [Fact]
    public void A_truncated_checkpoint_is_skipped_and_the_previous_one_used()
    {
        using var directory = new TempDirectory();
        Run(FaultPlan.Empty, checkpoints: new CheckpointSettings(directory.Path, Every: 25), epochs: 2);
        var files = new CheckpointStore(directory.Path).ListFiles();
        var newest = files[0].Path;
        var bytes = File.ReadAllBytes(newest);
        File.WriteAllBytes(newest, bytes[..(bytes.Length / 2)]);
        var notices = new List<string>();
        var resumed = Run(FaultPlan.Empty, checkpoints: new CheckpointSettings(directory.Path, Every: 1000, Resume: true), notices: notices);
        Assert.Equal(files[1].Version, resumed.Stats.ResumedFromStep);
        Assert.Contains(notices, n => n.Contains("checkpoint skipped") && n.Contains("truncated"));
        Assert.Equal(Clean.Value, resumed.Model.Parameters);
    }

    [Fact]
    public void Resuming_with_other_options_is_refused()
    {
        using var directory = new TempDirectory();
        Run(FaultPlan.Empty, checkpoints: new CheckpointSettings(directory.Path, Every: 25), epochs: 1);
        var data = TrainingFixtures.Digits;
        var refused = Assert.Throws<TrainingDivergedException>(() => LocalTraining.Run(TrainingFixtures.DigitsModel(), data.Train, data.Validation,
            TrainingFixtures.Settings(3, microShards: 4), new DistributedSettings { Workers = 1 },
            checkpoints: new CheckpointSettings(directory.Path, 25, Resume: true)));
        Assert.Contains("other options", refused.Message);
    }

    private sealed class Notices(List<string> into) : ITrainingObserver
    {
        public void OnNotice(string message)
        {
            lock (into) into.Add(message);
        }
    }

    private sealed class TempDirectory : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("distnet-faults-").FullName;
        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
