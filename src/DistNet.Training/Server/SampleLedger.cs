namespace DistNet.Training.Server;

/// <summary>One epoch's audit: how many samples contributed never, once, or more than once.</summary>
public sealed record LedgerEpoch(int Epoch, int Samples, int Missing, int Repeated)
{
    public bool ExactlyOnce => Missing == 0 && Repeated == 0;
}

/// <summary>
/// Counts, per training sample, how often its gradient was applied in the current epoch. It is
/// written only when a gradient is accepted, so it proves that faults (lost workers, retries,
/// duplicates) neither dropped nor double-counted a sample.
/// </summary>
public sealed class SampleLedger(int samples)
{
    private readonly int[] _counts = new int[samples];

    public void Record(ReadOnlySpan<int> indices)
    {
        foreach (var i in indices) _counts[i]++;
    }

    /// <summary>The counts so far this epoch (a copy), for a checkpoint.</summary>
    public int[] Counts() => (int[])_counts.Clone();

    /// <summary>Continues an epoch from a checkpoint's counts.</summary>
    public void Restore(ReadOnlySpan<int> counts)
    {
        if (counts.Length != _counts.Length) throw new ArgumentException($"the ledger has {_counts.Length} samples, the checkpoint {counts.Length}");
        counts.CopyTo(_counts);
    }

    public LedgerEpoch Close(int epoch)
    {
        int missing = 0, repeated = 0;
        foreach (var c in _counts)
        {
            if (c == 0) missing++;
            else if (c > 1) repeated++;
        }
        Array.Clear(_counts);
        return new LedgerEpoch(epoch, _counts.Length, missing, repeated);
    }
}
