using DistNet.Core.Training;
using DistNet.Training.Hosting;

namespace DistNet.Training.Tests;

public class SyncDeterminismTests
{
    [Fact]
    public void Any_number_of_workers_gives_the_same_parameters_as_the_plain_loop()
    {
        var data = TrainingFixtures.Digits;
        var settings = TrainingFixtures.Settings();
        // The oracle: the single-threaded loop of the core, with the same micro-shards.
        var reference = Trainer.Train(TrainingFixtures.DigitsModel(), data.Train, data.Validation, settings).Model.Parameters;

        foreach (var workers in new[] { 1, 2, 3, 8 })
        {
            var result = LocalTraining.Run(TrainingFixtures.DigitsModel(), data.Train, data.Validation, settings,
                new DistributedSettings { Workers = workers });
            Assert.True(reference.AsSpan().SequenceEqual(result.Model.Parameters), $"{workers} workers differ from the plain loop");
            Assert.True(result.LedgerExactlyOnce, $"{workers} workers: ledger {string.Join(", ", result.Finished.Ledger)}");
            Assert.Equal(3 * 40, result.Stats.Updates); // 1,258 samples / 32 per batch = 40 steps per epoch
        }
    }

    [Fact]
    public void Micro_shard_count_is_part_of_the_result()
    {
        var data = TrainingFixtures.Digits;
        var four = LocalTraining.Run(TrainingFixtures.DigitsModel(), data.Train, data.Validation, TrainingFixtures.Settings(1, 4), new DistributedSettings { Workers = 2 });
        var eight = LocalTraining.Run(TrainingFixtures.DigitsModel(), data.Train, data.Validation, TrainingFixtures.Settings(1, 8), new DistributedSettings { Workers = 2 });
        // Float sums in another grouping differ in the last bits — but only there.
        Assert.False(four.Model.Parameters.AsSpan().SequenceEqual(eight.Model.Parameters));
        for (int i = 0; i < four.Model.Parameters.Length; i++)
            Assert.Equal(four.Model.Parameters[i], eight.Model.Parameters[i], 3);
    }

    [Fact]
    public void Every_message_survives_serialization()
    {
        var data = TrainingFixtures.Digits;
        var settings = TrainingFixtures.Settings(epochs: 1);
        var plain = LocalTraining.Run(TrainingFixtures.DigitsModel(), data.Train, data.Validation, settings, new DistributedSettings { Workers = 2 });
        var serialized = LocalTraining.Run(TrainingFixtures.DigitsModel(), data.Train, data.Validation, settings,
            new DistributedSettings { Workers = 2 }, config: AkkaConfig.CheckingSerialization);
        Assert.Equal(plain.Model.Parameters, serialized.Model.Parameters);
    }
}
