using DistNet.Cluster.Serialization;
using DistNet.Core.Linear;
using DistNet.Training.Workers;

namespace DistNet.Cluster.Channel;

/// <summary>
/// Worker → ps on the vector channel: elements Start .. Start + Count − 1 of the gradient of one
/// shard block of a task, final, sent while the worker computes the rest. The answer that follows
/// names the vector instead of carrying it (<see cref="ShardGradient.SentInParts"/>).
/// </summary>
public sealed record GradientPart(long TaskId, int Shard, float[] Gradient, int Start, int Count);

/// <summary>What a worker's <see cref="IGradientSink"/> is on a worker node: each range becomes a part for the link to write.</summary>
public sealed class ChannelGradientSink(Akka.Actor.IActorRef link) : IGradientSink
{
    public void Ready(long taskId, int shard, float[] gradient, int start, int count) =>
        link.Tell(new GradientPart(taskId, shard, gradient, start, count), Akka.Actor.ActorRefs.NoSender);
}

/// <summary>
/// The ps's side of gradients sent in parts: gathers each vector's ranges as they arrive, read
/// from the socket straight into a pooled vector, and hands the vector over when the answer
/// naming it is decoded. One per connection, used by its reader thread alone. Anything that does
/// not add up — a range outside its vector, two lengths for one vector, a vector larger than the
/// frame limit, ranges that overlap or leave a gap, an answer naming a vector that never came, more
/// unfinished vectors than a worker can have — is a malformed message, and the connection ends.
/// </summary>
public sealed class GradientParts(int maxFloats)
{
    /// <summary>A task has at most log2(micro-shards) blocks, and a worker one task at a time.</summary>
    private const int MaxOpen = 32;

    private sealed class Vector(float[] values)
    {
        public readonly float[] Values = values;
        public readonly List<(int Start, int Count)> Ranges = [];
        public long Received, Bytes, EncodeNs, DecodeNs;
    }

    private readonly Dictionary<(long Task, int Shard), Vector> _open = [];
    private long _takenBytes, _takenEncodeNs, _takenDecodeNs;

    /// <summary>Reads a part's body into its vector; returns which vector, for <see cref="Account"/>.</summary>
    public (long Task, int Shard) Read(VectorReader r)
    {
        long task = r.Long();
        int shard = r.Int(), length = r.Int(), start = r.Int(), count = r.Int();
        if (length < 1 || length > maxFloats) throw r.Malformed($"a gradient part of a vector of {length} floats (limit {maxFloats})");
        if (!_open.TryGetValue((task, shard), out var vector))
        {
            if (_open.Count >= MaxOpen) throw r.Malformed($"more than {MaxOpen} gradients in parts left unfinished");
            _open[(task, shard)] = vector = new Vector(VectorPool.Rent(length));
        }
        if (vector.Values.Length != length) throw r.Malformed($"a part says its vector has {length} floats, an earlier one {vector.Values.Length}");
        if (start < 0 || count < 1 || start > length - count || vector.Received + count > length)
            throw r.Malformed($"a part of floats {start}..{(long)start + count - 1} does not fit a vector of {length} (received {vector.Received})");
        r.FloatsInto(vector.Values.AsSpan(start, count));
        vector.Ranges.Add((start, count));
        vector.Received += count;
        return (task, shard);
    }

    /// <summary>What the frame of a part cost, added to the answer that completes its vector.</summary>
    public void Account((long Task, int Shard) key, long bytes, long encodeNs, long decodeNs)
    {
        var vector = _open[key];
        vector.Bytes += bytes;
        vector.EncodeNs += encodeNs;
        vector.DecodeNs += decodeNs;
    }

    /// <summary>The vector of a task's shard block, complete: every element received exactly once.</summary>
    public float[] Take(VectorReader r, long task, int shard)
    {
        if (!_open.Remove((task, shard), out var vector))
            throw r.Malformed($"the answer to task {task} names a gradient of shard {shard} sent in parts, and no part of it came");
        vector.Ranges.Sort();
        long next = 0;
        foreach (var (start, count) in vector.Ranges)
        {
            if (start != next) break;
            next = (long)start + count;
        }
        if (next != vector.Values.Length || vector.Received != vector.Values.Length)
        {
            VectorPool.Return(vector.Values);
            throw r.Malformed($"the gradient of task {task}, shard {shard} came in parts that overlap or leave a gap");
        }
        _takenBytes += vector.Bytes;
        _takenEncodeNs += vector.EncodeNs;
        _takenDecodeNs += vector.DecodeNs;
        return vector.Values;
    }

    /// <summary>The bytes and nanoseconds of the parts taken since the last call: the answer's share of the wire.</summary>
    public (long Bytes, long EncodeNs, long DecodeNs) DrainTaken()
    {
        var taken = (_takenBytes, _takenEncodeNs, _takenDecodeNs);
        (_takenBytes, _takenEncodeNs, _takenDecodeNs) = (0, 0, 0);
        return taken;
    }
}
