using DistNet.Core.Random;

namespace DistNet.Core.Training;

/// <summary>
/// Which samples each step of an epoch trains on. Epoch e's order depends only on (seed, e),
/// not on earlier epochs, so a resumed run or any worker can rebuild it. A global batch is cut
/// into micro-shards, contiguous runs of positions whose sizes differ by at most one: they are
/// the unit of work handed to workers, and gradients are summed in micro-shard order, which
/// makes the result independent of how many workers computed them.
/// </summary>
public static class EpochPlan
{
    public static int[] Order(int count, long seed, int epoch, bool shuffle)
    {
        if (!shuffle) return Enumerable.Range(0, count).ToArray();
        return Rng.ForPurpose(seed, "shuffle", epoch).Permutation(count);
    }

    public static int BatchesPerEpoch(int count, int batchSize) => (count + batchSize - 1) / batchSize;

    /// <summary>Positions [Start, Start + Count) of batch <paramref name="batch"/> within the epoch's order.</summary>
    public static (int Start, int Count) Batch(int count, int batchSize, int batch)
    {
        int start = batch * batchSize;
        return (start, Math.Min(batchSize, count - start));
    }

    /// <summary>Positions of micro-shard <paramref name="shard"/> within a batch of <paramref name="batchSize"/>; may be empty when the batch is smaller than the shard count.</summary>
    public static (int Start, int Count) MicroShard(int batchSize, int shards, int shard)
    {
        int quotient = batchSize / shards, remainder = batchSize % shards;
        return (shard * quotient + Math.Min(shard, remainder), quotient + (shard < remainder ? 1 : 0));
    }
}
