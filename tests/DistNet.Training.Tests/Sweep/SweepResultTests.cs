using DistNet.Training.Sweep;

namespace DistNet.Training.Tests.Sweep;

public class SweepResultTests
{
    private static CandidateTrained Candidate(int index, double loss, double? accuracy, string? failure = null) =>
        new(index, [index + 1], 0, [], [], 0, new CandidateScore(0, null), new CandidateScore(loss, accuracy), 0, failure);

    [Fact]
    public void Best_is_the_highest_validation_accuracy()
    {
        Assert.Equal(1, SweepResult.BestOf([Candidate(0, 0.1, 0.90), Candidate(1, 0.3, 0.95), Candidate(2, 0.2, 0.93)]));
    }

    [Fact]
    public void Equal_accuracies_are_decided_by_the_lower_loss_then_the_earlier_candidate()
    {
        Assert.Equal(2, SweepResult.BestOf([Candidate(0, 0.3, 0.95), Candidate(1, 0.2, 0.95), Candidate(2, 0.1, 0.95)]));
        Assert.Equal(0, SweepResult.BestOf([Candidate(0, 0.2, 0.95), Candidate(1, 0.2, 0.95)]));
    }

    [Fact]
    public void Without_accuracies_the_lowest_loss_wins()
    {
        Assert.Equal(1, SweepResult.BestOf([Candidate(0, 0.5, null), Candidate(1, 0.4, null), Candidate(2, 0.45, null)]));
    }

    [Fact]
    public void Failed_and_unscored_candidates_are_never_best()
    {
        Assert.Equal(2, SweepResult.BestOf([Candidate(0, 0.1, 0.99, "training diverged"), Candidate(1, double.NaN, 0.99), Candidate(2, 0.5, 0.5)]));
        Assert.Equal(-1, SweepResult.BestOf([Candidate(0, 0.1, 0.99, "training diverged")]));
    }
}
