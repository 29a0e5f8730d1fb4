using DistNet.Core.Nn;
using DistNet.Core.Training;
using DistNet.Training.Hosting;
using DistNet.Training.Sweep;

namespace DistNet.Training.Tests.Sweep;

public class SweepTests
{
    private static readonly int[][] Candidates = [[], [2], [4], [8], [4, 4], [16]];

    private static SweepJob Job(int epochs = 2) => new(
        TrainingFixtures.Digits.Train, TrainingFixtures.Digits.Validation, Activation.Sigmoid,
        Loss.SoftmaxCrossEntropy, Outputs: 10, Bias: true, TrainingFixtures.Settings(epochs));

    [Fact]
    public void Results_do_not_depend_on_the_number_of_trainers_and_match_the_plain_loop()
    {
        var job = Job();
        var one = LocalSweep.Run(job, Candidates, workers: 1);
        var three = LocalSweep.Run(job, Candidates, workers: 3);

        Assert.Equal(Candidates.Length, one.Candidates.Count);
        for (int i = 0; i < Candidates.Length; i++)
        {
            var (a, b) = (one.Candidates[i], three.Candidates[i]);
            Assert.Equal(i, a.Index);
            Assert.Equal(Candidates[i], b.Hidden);
            Assert.True(a.Succeeded && b.Succeeded, a.Failure ?? b.Failure);
            Assert.True(a.Parameters.AsSpan().SequenceEqual(b.Parameters), $"candidate {i} differs between 1 and 3 trainers");
            Assert.Equal(a.Validation, b.Validation);
            Assert.Equal(a.Train, b.Train);
            // The oracle: the candidate trained alone by the core loop, from the same seed.
            var alone = Trainer.Train(job.InitialModel(Candidates[i]), job.Train, job.Validation, job.Settings);
            Assert.True(alone.Model.Parameters.AsSpan().SequenceEqual(a.Parameters), $"candidate {i} differs from the plain loop");
        }
        Assert.Equal(one.Best, three.Best);
    }

    [Fact]
    public void Candidates_are_spread_over_every_trainer()
    {
        var result = LocalSweep.Run(Job(epochs: 1), Candidates, workers: 3);
        // Each trainer gets a candidate at the start, so with more candidates than trainers all of them work.
        Assert.Equal([0, 1, 2], result.Candidates.Select(c => c.TrainerId).Distinct().Order());
    }

    [Fact]
    public void Every_message_survives_serialization()
    {
        var job = Job(epochs: 1);
        var plain = LocalSweep.Run(job, Candidates[..3], workers: 2);
        var serialized = LocalSweep.Run(job, Candidates[..3], workers: 2, config: AkkaConfig.CheckingSerialization);
        for (int i = 0; i < 3; i++) Assert.Equal(plain.Candidates[i].Parameters, serialized.Candidates[i].Parameters);
    }

    [Fact]
    public void A_candidate_that_cannot_train_is_reported_and_the_others_go_on()
    {
        // A zero-width layer cannot be built (the command line never sends one; the actor must still answer).
        var result = LocalSweep.Run(Job(epochs: 1), [[2], [4, 0], [8]], workers: 2);
        Assert.True(result.Candidates[0].Succeeded && result.Candidates[2].Succeeded);
        Assert.Contains("at least one unit", result.Candidates[1].Failure);
        Assert.NotEqual(1, result.Best);
    }

    [Fact]
    public void Divergence_under_a_penalty_is_reported_as_divergence()
    {
        // The penalty meets the NaN weights first (MathF.Sign throws); the sweep still says "diverged".
        var settings = TrainingFixtures.Settings(1) with
        {
            Optimizer = new(Core.Optim.OptimizerKind.Sgd, 1e30),
            Penalty = new Penalty(0, 1e-4),
        };
        var result = LocalSweep.Run(Job() with { Settings = settings }, [[4]], workers: 1);
        Assert.Contains("diverged", result.Candidates[0].Failure);
        Assert.Equal(-1, result.Best);
    }
}
