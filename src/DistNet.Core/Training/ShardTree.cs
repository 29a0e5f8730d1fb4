using System.Numerics.Tensors;
using DistNet.Core.Linear;

namespace DistNet.Core.Training;

/// <summary>
/// An aligned block of micro-shards: the node of the shard tree at <paramref name="Level"/> whose
/// leaves start at <paramref name="First"/>, i.e. shards First .. First + 2^Level − 1 (cut at the
/// shard count).
/// </summary>
public readonly record struct ShardBlock(int First, int Level)
{
    public int End(int shardCount) => (int)Math.Min((long)First + (1L << Level), shardCount);
}

/// <summary>
/// The fixed order in which micro-shard gradients are added: a binary tree over shard indices,
/// where a node is the sum of its left and right children (or its left child alone when the right
/// one lies past the last shard). Float addition is not associative, so a fixed tree is what
/// makes a step's gradient the same bits whoever computed which shards: a worker holding a run of
/// shards adds up the whole aligned blocks inside it (one vector per block travels, not one per
/// shard), and the server completes the tree from the blocks. A sequential sum would need every
/// shard's vector at the server; this tree needs at most log2 M per worker, and the plain
/// <see cref="Trainer"/> adds its shards along the same tree.
/// </summary>
public static class ShardTree
{
    /// <summary>The root's level: the smallest h with 2^h ≥ <paramref name="shardCount"/>.</summary>
    public static int Height(int shardCount)
    {
        if (shardCount <= 0) throw new ArgumentOutOfRangeException(nameof(shardCount), "at least one shard");
        int h = 0;
        while ((1L << h) < shardCount) h++;
        return h;
    }

    public static ShardBlock Root(int shardCount) => new(0, Height(shardCount));

    /// <summary>
    /// The largest aligned blocks made of the given shards (ascending, no repeats), in shard order:
    /// what a worker holding exactly these shards can add up by itself.
    /// </summary>
    public static List<ShardBlock> Blocks(ReadOnlySpan<int> shards, int shardCount)
    {
        int height = Height(shardCount);
        var blocks = new List<ShardBlock>();
        int i = 0;
        while (i < shards.Length)
        {
            int first = shards[i], level = 0;
            if (first < 0 || first >= shardCount || (i > 0 && first <= shards[i - 1]))
                throw new ArgumentException($"shards must be ascending, distinct and below {shardCount}", nameof(shards));
            while (level < height && first % (2 << level) == 0)
            {
                int span = (int)Math.Min((long)first + (2L << level), shardCount) - first;
                if (i + span - 1 >= shards.Length || shards[i + span - 1] != first + span - 1) break;
                level++;
            }
            blocks.Add(new ShardBlock(first, level));
            i += new ShardBlock(first, level).End(shardCount) - first;
        }
        return blocks;
    }
}

/// <summary>What one shard (or a block of shards) contributed besides its gradient: for the epoch's report.</summary>
public readonly record struct ShardScore(double LossSum, int Correct, int Samples)
{
    /// <summary>Combined in tree order too, so the reported loss does not depend on the workers either.</summary>
    public static ShardScore operator +(ShardScore left, ShardScore right) =>
        new(left.LossSum + right.LossSum, left.Correct + right.Correct, left.Samples + right.Samples);
}

/// <summary>
/// Computes the sum of a block's shard gradients along the <see cref="ShardTree"/>, one shard at a
/// time, into a destination vector. Keeps one scratch vector per tree level and reuses them.
/// </summary>
/// <remarks>
/// It may add a range [from, to) of the vectors only: a gradient whose first layer's weights travel
/// as factors is added up in two parts, the rest by the worker and that region by the ps's link,
/// each along the same tree, so every element is the same sum as in one pass.
/// </remarks>
public sealed class ShardTreeSum
{
    /// <summary>Writes shard <paramref name="shard"/>'s gradient into <paramref name="gradient"/> (every element of the range) and scores it.</summary>
    public delegate ShardScore Leaf(int shard, float[] gradient);

    private readonly int _from, _to;
    private readonly bool _whole;
    private readonly List<float[]> _scratch = new();

    /// <summary>Adds whole vectors of exactly this length.</summary>
    public ShardTreeSum(int parameterCount) : this(0, parameterCount) => _whole = true;

    /// <summary>Adds elements [<paramref name="from"/>, <paramref name="to"/>) of vectors <paramref name="to"/> long or longer.</summary>
    public ShardTreeSum(int from, int to)
    {
        if (from < 0 || to < from) throw new ArgumentOutOfRangeException(nameof(to), $"range [{from}, {to})");
        (_from, _to) = (from, to);
    }

    public ShardScore Compute(ShardBlock block, int shardCount, float[] destination, Leaf leaf)
    {
        CheckLength(destination);
        float unused = 0;
        return Node(block.First, block.Level, shardCount, destination, leaf, measure: false, ref unused);
    }

    private void CheckLength(float[] destination)
    {
        if (_whole ? destination.Length != _to : destination.Length < _to)
            throw new ArgumentException("destination has the wrong length", nameof(destination));
    }

    private Span<float> Range(float[] vector) => vector.AsSpan(_from, _to - _from);

    /// <summary>
    /// The same sum, and <see cref="Finite.LargestMagnitude"/> of it, which a worker reports so that the
    /// server need not read the vector once more to check it. For a block of several shards it is
    /// taken in the pass of the last addition, at no extra cost; a single shard takes a pass of its own.
    /// </summary>
    public ShardScore Compute(ShardBlock block, int shardCount, float[] destination, Leaf leaf, out float largestMagnitude)
    {
        CheckLength(destination);
        largestMagnitude = 0;
        return Node(block.First, block.Level, shardCount, destination, leaf, measure: true, ref largestMagnitude);
    }

    private ShardScore Node(int first, int level, int shardCount, float[] destination, Leaf leaf, bool measure, ref float magnitude)
    {
        if (level == 0)
        {
            var score = leaf(first, destination);
            if (measure) magnitude = Finite.LargestMagnitude(Range(destination));
            return score;
        }
        int half = 1 << (level - 1);
        bool alone = first + half >= shardCount; // no right subtree: this node is its left one
        var left = Node(first, level - 1, shardCount, destination, leaf, measure && alone, ref magnitude);
        if (alone) return left;
        // The left subtree is done with every scratch vector below this level, so the right one may reuse them.
        var scratch = Scratch(level - 1);
        var right = Node(first + half, level - 1, shardCount, scratch, leaf, measure: false, ref magnitude);
        if (measure) magnitude = Finite.AddAndMeasure(Range(destination), Range(scratch));
        else TensorPrimitives.Add(Range(destination), Range(scratch), Range(destination));
        return left + right;
    }

    private float[] Scratch(int level)
    {
        while (_scratch.Count <= level) _scratch.Add(new float[_to]);
        return _scratch[level];
    }
}

/// <summary>
/// The server's side of the <see cref="ShardTree"/>: takes block sums as they arrive, in any
/// order, and adds two siblings as soon as both are in, up to the root. The vectors handed to
/// <see cref="Add"/> become its own: it adds into one and gives the other back to the <see cref="VectorPool"/>.
/// </summary>
public sealed class ShardTreeReducer
{
    private readonly int _shardCount, _height;
    private readonly bool[] _covered;
    private readonly Dictionary<(int Level, int Index), (float[] Gradient, ShardScore Score)> _pending = new();

    public ShardTreeReducer(int shardCount)
    {
        _height = ShardTree.Height(shardCount);
        _shardCount = shardCount;
        _covered = new bool[shardCount];
    }

    public int ShardCount => _shardCount;

    /// <summary>The complete sum, once every shard is in.</summary>
    public (float[] Gradient, ShardScore Score)? Root { get; private set; }

    public bool Has(int shard) => _covered[shard];

    /// <summary>Whether any shard of the block is in already (a duplicate or a retried block: not to be added again).</summary>
    public bool Overlaps(ShardBlock block)
    {
        for (int s = block.First; s < block.End(_shardCount); s++) if (_covered[s]) return true;
        return false;
    }

    public bool IsValid(ShardBlock block) =>
        block.Level >= 0 && block.Level <= _height && block.First >= 0 && block.First < _shardCount
        && block.First % (1 << block.Level) == 0;

    public void Add(ShardBlock block, float[] gradient, ShardScore score)
    {
        if (!IsValid(block)) throw new ArgumentException($"block {block} is not a node of a tree over {_shardCount} shards", nameof(block));
        if (Overlaps(block)) throw new InvalidOperationException($"block {block} overlaps shards already added");
        for (int s = block.First; s < block.End(_shardCount); s++) _covered[s] = true;
        int level = block.Level, index = block.First >> level;
        while (level < _height)
        {
            int sibling = index ^ 1;
            if ((long)sibling << level >= _shardCount) { level++; index >>= 1; continue; } // no right sibling: the parent is this node
            if (!_pending.Remove((level, sibling), out var other)) { _pending[(level, index)] = (gradient, score); return; }
            TensorPrimitives.Add(gradient, other.Gradient, gradient);
            VectorPool.Return(other.Gradient);
            score += other.Score;
            level++;
            index >>= 1;
        }
        Root = (gradient, score);
    }

    /// <summary>
    /// Whatever has arrived, added in shard order: for a step that goes on without some shards
    /// (backup workers), whose result depends on which arrived anyway.
    /// </summary>
    public (float[] Gradient, ShardScore Score)? SumOfArrived()
    {
        if (Root is { } root) return root;
        float[]? sum = null;
        var score = default(ShardScore);
        foreach (var (_, (gradient, s)) in _pending.OrderBy(p => p.Key.Index << p.Key.Level))
        {
            if (sum is null) sum = gradient;
            else
            {
                TensorPrimitives.Add(sum, gradient, sum);
                VectorPool.Return(gradient);
            }
            score += s;
        }
        return sum is null ? null : (sum, score);
    }
}
