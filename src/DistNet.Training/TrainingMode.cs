namespace DistNet.Training;

public enum TrainingMode
{
    /// <summary>Bulk-synchronous: every step waits for the gradients of all micro-shards. Deterministic.</summary>
    Sync,
    /// <summary>Downpour-style: each gradient is applied on arrival, whatever version it was computed on.</summary>
    Async,
    /// <summary>Stale-synchronous parallel: async, but no worker runs more than s updates ahead of the slowest.</summary>
    Ssp,
}

/// <summary>How the actors share the work: everything beyond the single-process loop's settings.</summary>
public sealed record DistributedSettings
{
    public TrainingMode Mode { get; init; } = TrainingMode.Sync;
    public int Workers { get; init; } = 1;

    /// <summary>SSP: how many clock ticks the fastest worker may lead the slowest by.</summary>
    public int Staleness { get; init; } = 2;

    /// <summary>Sync: proceed with the first N − b gradients of a step and drop the late ones.</summary>
    public int BackupWorkers { get; init; }

    /// <summary>Local SGD: workers take H local steps between model averages (1: plain sync).</summary>
    public int SyncEvery { get; init; } = 1;

    /// <summary>Work outstanding this long is handed to another worker; late answers are then ignored.</summary>
    public TimeSpan TaskTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a micro-shard's gradient may be refused (NaN, ∞) before training is declared diverged.</summary>
    public int MaxRefusals { get; init; } = 3;

    /// <summary>
    /// A gradient with an element larger than this in magnitude is refused like a NaN: finite, but
    /// no real gradient of a mean loss is that large, and one such value ruins the weights.
    /// </summary>
    public float MaxGradient { get; init; } = 1e20f;

    public static string Name(TrainingMode mode) => mode.ToString().ToLowerInvariant();
}
