namespace DistNet.Core.Optim;

public enum OptimizerKind { Sgd, Momentum, Adam }

/// <summary>
/// θ ← update(θ, g). The state (velocity, moments, step count) is exposed as plain arrays so
/// a parameter server can checkpoint and restore it.
/// </summary>
public abstract class Optimizer
{
    public abstract void Step(Span<float> parameters, ReadOnlySpan<float> gradient);

    /// <summary>Named state vectors, for checkpoints: the live arrays, which <see cref="Restore"/> copies into.</summary>
    public abstract IReadOnlyDictionary<string, float[]> State { get; }

    public long Steps { get; protected set; }

    /// <summary>
    /// Puts back state saved from <see cref="State"/> and <see cref="Steps"/> (a checkpoint), so
    /// the next <see cref="Step"/> gives the same bits as if the run had never stopped. The names
    /// and lengths must be exactly this optimiser's; otherwise nothing changes and an
    /// <see cref="ArgumentException"/> says what differs.
    /// </summary>
    public void Restore(IReadOnlyDictionary<string, float[]> state, long steps)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (steps < 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "a step count cannot be negative");
        var own = State;
        string Names(IEnumerable<string> names) => names.Any() ? string.Join(", ", names.Order(StringComparer.Ordinal)) : "none";
        var missing = own.Keys.Where(name => !state.ContainsKey(name)).ToList();
        var unknown = state.Keys.Where(name => !own.ContainsKey(name)).ToList();
        if (missing.Count > 0 || unknown.Count > 0)
            throw new ArgumentException(
                $"{GetType().Name} state has {Names(own.Keys)}; the saved state has {Names(state.Keys)}" +
                (missing.Count > 0 ? $" (missing {Names(missing)})" : "") + (unknown.Count > 0 ? $" (unexpected {Names(unknown)})" : ""),
                nameof(state));
        // Check every vector before copying any, so a refused restore leaves the optimiser as it was.
        foreach (var (name, target) in own)
        {
            var saved = state[name] ?? throw new ArgumentException($"{GetType().Name} state '{name}' is null", nameof(state));
            if (saved.Length != target.Length)
                throw new ArgumentException($"{GetType().Name} state '{name}' has {target.Length} values; the saved one has {saved.Length}", nameof(state));
        }
        foreach (var (name, target) in own) state[name].AsSpan().CopyTo(target);
        Steps = steps;
    }

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
