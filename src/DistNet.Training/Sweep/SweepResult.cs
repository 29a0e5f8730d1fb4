namespace DistNet.Training.Sweep;

/// <summary>
/// A finished sweep: every candidate's result in candidate order, and which one is best.
/// <see cref="Best"/> is -1 when no candidate could be scored on the validation split.
/// </summary>
public sealed record SweepResult(IReadOnlyList<CandidateTrained> Candidates, int Best)
{
    public const string Criterion = "highest validation accuracy, ties broken by lower validation loss, then by the earlier candidate";
    public const string RegressionCriterion = "lowest validation loss, ties broken by the earlier candidate";

    public CandidateTrained? BestCandidate => Best >= 0 ? Candidates[Best] : null;

    public static SweepResult Of(IReadOnlyList<CandidateTrained> candidates) => new(candidates, BestOf(candidates));

    /// <summary>
    /// The best candidate on the validation split. Accuracy first, because it is what a reader
    /// of the table compares, but it ties often on small validation sets, so the validation loss
    /// (continuous) decides between ties; a last tie goes to the earlier, usually smaller,
    /// candidate. Without accuracies (regression) only the loss counts. Failed candidates and
    /// candidates without a finite validation loss are never chosen.
    /// </summary>
    public static int BestOf(IReadOnlyList<CandidateTrained> candidates)
    {
        int best = -1;
        for (int i = 0; i < candidates.Count; i++)
        {
            var score = candidates[i].Validation;
            if (!candidates[i].Succeeded || score is null || !double.IsFinite(score.Loss)) continue;
            if (best < 0 || Better(score, candidates[best].Validation!)) best = i;
        }
        return best;
    }

    private static bool Better(CandidateScore a, CandidateScore b)
    {
        if (a.Accuracy is { } accuracyA && b.Accuracy is { } accuracyB && accuracyA != accuracyB) return accuracyA > accuracyB;
        return a.Loss < b.Loss;
    }
}
