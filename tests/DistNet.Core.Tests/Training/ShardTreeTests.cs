using DistNet.Core.Random;
using DistNet.Core.Training;

namespace DistNet.Core.Tests.Training;

public class ShardTreeTests
{
    [Theory]
    [InlineData(8, "0,1,2,3,4,5,6,7", "0/3")]
    [InlineData(8, "4,5,6,7", "4/2")]
    [InlineData(8, "2,3,4,5", "2/1 4/1")]
    [InlineData(8, "3,4,5,6,7", "3/0 4/2")]
    [InlineData(4, "1,2,3", "1/0 2/1")]
    [InlineData(3, "0,1,2", "0/2")]
    [InlineData(3, "2", "2/1")]
    [InlineData(5, "4", "4/2")]
    [InlineData(1, "0", "0/0")]
    [InlineData(6, "0,2,3,5", "0/0 2/1 5/0")]
    public void A_run_of_shards_splits_into_the_largest_aligned_blocks(int shardCount, string shards, string expected)
    {
        var blocks = ShardTree.Blocks(shards.Split(',').Select(int.Parse).ToArray(), shardCount);
        Assert.Equal(expected, string.Join(' ', blocks.Select(b => $"{b.First}/{b.Level}")));
    }

    [Fact]
    public void Blocks_refuse_unsorted_repeated_or_out_of_range_shards()
    {
        Assert.Throws<ArgumentException>(() => ShardTree.Blocks([1, 0], 4));
        Assert.Throws<ArgumentException>(() => ShardTree.Blocks([1, 1], 4));
        Assert.Throws<ArgumentException>(() => ShardTree.Blocks([4], 4));
    }

    /// <summary>
    /// The determinism argument, checked: however a step's shards are dealt out in contiguous runs
    /// and in whatever order the blocks arrive, the server's sum has the same bits as the reference
    /// tree written out recursively here, and (for these values) different bits from a plain
    /// left-to-right sum, so the test would notice a reducer that added in arrival or shard order.
    /// </summary>
    [Fact]
    public void Any_dealing_and_arrival_order_gives_the_reference_tree_sum()
    {
        var rng = new Rng(11);
        bool differsFromSequential = false;
        for (int trial = 0; trial < 300; trial++)
        {
            int shards = 1 + rng.NextInt(13), length = 1 + rng.NextInt(40);
            var leaves = Enumerable.Range(0, shards).Select(_ => Enumerable.Range(0, length)
                .Select(_ => (float)(rng.NextGaussian() * Math.Pow(10, rng.NextInt(8) - 4))).ToArray()).ToArray();
            var expected = Reference(leaves, 0, ShardTree.Height(shards));

            // Deal the shards out as contiguous runs to a random number of workers.
            int workers = 1 + rng.NextInt(shards);
            var cuts = Enumerable.Range(1, shards - 1).OrderBy(_ => rng.NextInt(1000)).Take(workers - 1).Order().Prepend(0).Append(shards).ToArray();
            var sum = new ShardTreeSum(length);
            var answers = new List<(ShardBlock Block, float[] Gradient, ShardScore Score)>();
            for (int w = 0; w + 1 < cuts.Length; w++)
            {
                var run = Enumerable.Range(cuts[w], cuts[w + 1] - cuts[w]).ToArray();
                foreach (var block in ShardTree.Blocks(run, shards))
                {
                    var gradient = new float[length];
                    var score = sum.Compute(block, shards, gradient, (s, into) => { leaves[s].CopyTo(into, 0); return new ShardScore(s + 0.5, s, 1); });
                    answers.Add((block, gradient, score));
                }
            }
            var reducer = new ShardTreeReducer(shards);
            foreach (var (block, gradient, score) in answers.OrderBy(_ => rng.NextInt(1000)))
            {
                Assert.Null(reducer.Root);
                reducer.Add(block, gradient, score);
            }
            var (result, total) = reducer.Root!.Value;
            Assert.Equal(expected, result);
            Assert.Equal(shards, total.Samples);
            Assert.Equal(shards * (shards - 1) / 2, total.Correct);
            Assert.Equal(Enumerable.Range(0, shards).Sum(s => s + 0.5), total.LossSum, 9);

            var sequential = (float[])leaves[0].Clone();
            for (int s = 1; s < shards; s++) for (int i = 0; i < length; i++) sequential[i] += leaves[s][i];
            differsFromSequential |= !sequential.SequenceEqual(expected);
        }
        Assert.True(differsFromSequential, "the tree order should differ from a sequential sum somewhere, or this test proves nothing");
    }

    /// <summary>
    /// What a worker reports with its block (so that the server need not read the vector again): the
    /// same bits as the plain sum, and the sum's largest magnitude, NaN when a NaN went in anywhere.
    /// </summary>
    [Fact]
    public void A_measured_sum_has_the_same_bits_and_its_largest_magnitude()
    {
        var rng = new Rng(5);
        for (int trial = 0; trial < 200; trial++)
        {
            int shards = 1 + rng.NextInt(9), length = 1 + rng.NextInt(70);
            var leaves = Enumerable.Range(0, shards).Select(_ => Enumerable.Range(0, length)
                .Select(_ => (float)(rng.NextGaussian() * Math.Pow(10, rng.NextInt(8) - 4))).ToArray()).ToArray();
            if (trial % 4 == 3) leaves[rng.NextInt(shards)][rng.NextInt(length)] = trial % 8 == 3 ? float.NaN : float.NegativeInfinity;
            var block = ShardTree.Root(shards);
            ShardScore Leaf(int s, float[] into) { leaves[s].CopyTo(into, 0); return new ShardScore(s, 0, 1); }
            var plain = new float[length];
            var measured = new float[length];
            var plainScore = new ShardTreeSum(length).Compute(block, shards, plain, Leaf);
            var score = new ShardTreeSum(length).Compute(block, shards, measured, Leaf, out float magnitude);
            Assert.Equal(plain, measured);
            Assert.Equal(plainScore, score);
            float expected = plain.Any(float.IsNaN) ? float.NaN : plain.Max(Math.Abs);
            Assert.Equal(expected, magnitude);
        }
    }

    private static float[] Reference(float[][] leaves, int first, int level)
    {
        if (level == 0) return (float[])leaves[first].Clone();
        int half = 1 << (level - 1);
        var left = Reference(leaves, first, level - 1);
        if (first + half >= leaves.Length) return left;
        var right = Reference(leaves, first + half, level - 1);
        return left.Zip(right, (a, b) => a + b).ToArray();
    }

    [Fact]
    public void The_reducer_refuses_overlapping_and_misaligned_blocks()
    {
        var reducer = new ShardTreeReducer(8);
        reducer.Add(new ShardBlock(4, 2), new float[3], default);
        Assert.True(reducer.Overlaps(new ShardBlock(6, 0)));
        Assert.False(reducer.Overlaps(new ShardBlock(0, 2)));
        Assert.True(reducer.Has(5));
        Assert.False(reducer.Has(3));
        Assert.Throws<InvalidOperationException>(() => reducer.Add(new ShardBlock(6, 1), new float[3], default));
        Assert.False(reducer.IsValid(new ShardBlock(2, 2)));
        Assert.False(reducer.IsValid(new ShardBlock(0, 4)));
        Assert.False(reducer.IsValid(new ShardBlock(8, 0)));
        Assert.Throws<ArgumentException>(() => reducer.Add(new ShardBlock(1, 1), new float[3], default));
    }

    [Fact]
    public void Without_every_shard_the_arrived_blocks_are_added_in_shard_order()
    {
        // No two of these are siblings, so nothing is added before the end.
        var reducer = new ShardTreeReducer(8);
        reducer.Add(new ShardBlock(5, 0), [1f], new ShardScore(1, 0, 1));
        reducer.Add(new ShardBlock(0, 0), [1e8f], new ShardScore(2, 0, 1));
        reducer.Add(new ShardBlock(2, 0), [-1e8f], new ShardScore(3, 0, 1));
        Assert.Null(reducer.Root);
        var (sum, score) = reducer.SumOfArrived()!.Value;
        // Shard order: (1e8 + −1e8) + 1 = 1; arrival order would give (1 + 1e8) + −1e8 = 0 in float32.
        Assert.Equal(1f, sum[0]);
        Assert.Equal(3, score.Samples);
        Assert.Null(new ShardTreeReducer(2).SumOfArrived());
    }
}
