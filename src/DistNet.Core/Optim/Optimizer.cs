namespace DistNet.Core.Optim;

public enum OptimizerKind { Sgd, Momentum, Adam }

/// <summary>
/// θ ← update(θ, g). The state (velocity, moments, step count) is exposed as plain arrays so
/// a parameter server can checkpoint and restore it.
/// </summary>
public abstract class Optimizer
{
    public abstract void Step(Span<float> parameters, ReadOnlySpan<float> gradient);

    /// <summary>Named state vectors, for checkpoints.</summary>
    public abstract IReadOnlyDictionary<string, float[]> State { get; }

    public long Steps { get; protected set; }

    public static Optimizer Create(OptimizerSettings settings, int parameterCount) => settings.Kind switch
    {
        OptimizerKind.Sgd => new Sgd(settings.LearningRate),
        OptimizerKind.Momentum => new Momentum(settings.LearningRate, settings.Momentum, parameterCount),
        OptimizerKind.Adam => new Adam(settings.LearningRate, settings.Beta1, settings.Beta2, settings.Epsilon, parameterCount),
        _ => throw new ArgumentOutOfRangeException(nameof(settings)),
    };

    public static string Name(OptimizerKind kind) => kind.ToString().ToLowerInvariant();

    public static bool TryParse(string name, out OptimizerKind kind)
    {
        foreach (var candidate in Enum.GetValues<OptimizerKind>())
            if (Name(candidate) == name) { kind = candidate; return true; }
        kind = default;
        return false;
    }

    public static readonly string[] Names = Enum.GetValues<OptimizerKind>().Select(Name).ToArray();
}

public sealed record OptimizerSettings(
    OptimizerKind Kind = OptimizerKind.Sgd,
    double LearningRate = 0.1,
    double Momentum = 0.9,
    double Beta1 = 0.9,
    double Beta2 = 0.999,
    double Epsilon = 1e-8);
