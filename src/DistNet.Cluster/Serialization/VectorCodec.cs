using System.Runtime.Serialization;
using DistNet.Training.Server;
using DistNet.Training.Workers;

namespace DistNet.Cluster.Serialization;

/// <summary>
/// The field layout of the messages that carry weight and gradient vectors (and, for the vector
/// channel, the registration that precedes them): little-endian header fields, then each float or
/// int array as a count and its raw bytes. Two transports frame it: <see cref="VectorMessageSerializer"/>
/// (inside Akka.Remote) and the vector channel (its own TCP connection per worker).
/// </summary>
public static class VectorCodec
{
    public const string ComputeManifest = "cg", ComputedManifest = "gc", LocalManifest = "rl", LocalDoneManifest = "ld", RegisterManifest = "rw";

    /// <summary>
    /// A task whose answer may carry the first layer's weight gradient as factors (same fields as "cg"),
    /// and such an answer: "gc"'s fields, but each block's vector without that region, then its factors.
    /// </summary>
    public const string FactorableComputeManifest = "cf", FactoredComputedManifest = "gf";
    private const int TimingsSize = 8 * 8;

    /// <summary>The manifest of a message this codec carries, or null.</summary>
    public static string? ManifestOf(object o) => o switch
    {
        ComputeGradients { FactorFirstLayer: true } => FactorableComputeManifest,
        ComputeGradients => ComputeManifest,
        GradientsComputed m when m.Shards.Any(s => s.FirstLayer is not null) => FactoredComputedManifest,
        GradientsComputed => ComputedManifest,
        RunLocalSteps => LocalManifest,
        LocalStepsDone => LocalDoneManifest,
        RegisterWorker => RegisterManifest,
        _ => null,
    };

    /// <summary>The exact number of bytes <see cref="Write"/> produces.</summary>
    public static long Size(object o) => o switch
    {
        ComputeGradients m => 8 + 8 + 4 + 4 + Floats(m.Parameters) + 4 + m.Shards.Sum(s => 4L + Ints(s.Samples)),
        GradientsComputed m => 8 + 8 + 4 + TimingsSize + 4 + m.Shards.Sum(s => 4L + 4 + 8 + 4 + 4 + (s.FirstLayer is { } f
            ? 4 + 4 + 4L * (s.Gradient.Length - f.Length) + 4 + f.Shards.Sum(x => Ints(x.Samples) + Floats(x.Delta))
            : Floats(s.Gradient))),
        RunLocalSteps m => 8 + 8 + Floats(m.Parameters) + 4 + m.Batches.Sum(b => (long)Ints(b)),
        LocalStepsDone m => 8 + 8 + 4 + 8 + 4 + 4 + TimingsSize + Floats(m.Parameters),
        RegisterWorker => 4,
        _ => throw new ArgumentException($"{nameof(VectorCodec)} cannot encode {o.GetType()}"),
    };

    public static void Write(object o, VectorWriter w)
    {
        switch (o)
        {
            case ComputeGradients m:
                w.Long(m.TaskId); w.Long(m.Version); w.Float(m.Scale); w.Int(m.ShardCount); w.FloatArray(m.Parameters);
                w.Int(m.Shards.Length);
                foreach (var s in m.Shards) { w.Int(s.Shard); w.IntArray(s.Samples); }
                break;
            case GradientsComputed m:
                bool factored = ManifestOf(m) == FactoredComputedManifest;
                w.Long(m.TaskId); w.Long(m.Version); w.Int(m.WorkerId); Timings(w, m.Timings); w.Int(m.Shards.Length);
                foreach (var s in m.Shards)
                {
                    w.Int(s.Shard); w.Int(s.Level); w.Double(s.LossSum); w.Int(s.Correct); w.Int(s.Samples);
                    if (!factored) { w.FloatArray(s.Gradient); continue; }
                    var f = s.FirstLayer ?? throw new ArgumentException("an answer with factors has them for every block");
                    w.Int(f.Length); w.FloatArray(s.Gradient.AsSpan(f.Length));
                    w.Int(f.Shards.Length);
                    foreach (var x in f.Shards) { w.IntArray(x.Samples); w.FloatArray(x.Delta); }
                }
                break;
            case RunLocalSteps m:
                w.Long(m.TaskId); w.Long(m.Round); w.FloatArray(m.Parameters);
                w.Int(m.Batches.Length);
                foreach (var b in m.Batches) w.IntArray(b);
                break;
            case LocalStepsDone m:
                w.Long(m.TaskId); w.Long(m.Round); w.Int(m.WorkerId); w.Double(m.LossSum);
                w.Int(m.Correct); w.Int(m.Samples); Timings(w, m.Timings); w.FloatArray(m.Parameters);
                break;
            case RegisterWorker m:
                w.Int(m.WorkerId);
                break;
            default:
                throw new ArgumentException($"{nameof(VectorCodec)} cannot encode {o.GetType()}");
        }
    }

    /// <summary>Reads one message; a malformed one throws a <see cref="SerializationException"/> naming the problem.</summary>
    public static object Read(VectorReader r, string manifest)
    {
        object message = manifest switch
        {
            ComputeManifest => ReadCompute(r),
            FactorableComputeManifest => ReadCompute(r) with { FactorFirstLayer = true },
            ComputedManifest => ReadComputed(r, factored: false),
            FactoredComputedManifest => ReadComputed(r, factored: true),
            LocalManifest => new RunLocalSteps(r.Long(), r.Long(), r.FloatArray(), r.Array(x => x.IntArray())),
            LocalDoneManifest => ReadLocalDone(r),
            RegisterManifest => new RegisterWorker(r.Int()),
            _ => throw new SerializationException($"unknown vector message manifest '{manifest}'"),
        };
        r.End();
        return message;
    }

    /// <summary>The message with how it travelled attached (messages without vectors are returned as they are).</summary>
    public static object WithWire(object message, WireInfo wire) => message switch
    {
        ComputeGradients m => m with { Wire = wire },
        GradientsComputed m => m with { Wire = wire },
        RunLocalSteps m => m with { Wire = wire },
        LocalStepsDone m => m with { Wire = wire },
        _ => message,
    };

    private static ComputeGradients ReadCompute(VectorReader r)
    {
        long taskId = r.Long(), version = r.Long();
        float scale = r.Float();
        int shardCount = r.Int();
        var parameters = r.FloatArray();
        var shards = r.Array(x => new ShardTask(x.Int(), x.IntArray()));
        return new ComputeGradients(taskId, version, parameters, shards, scale, shardCount);
    }

    private static GradientsComputed ReadComputed(VectorReader r, bool factored)
    {
        long taskId = r.Long(), version = r.Long();
        int workerId = r.Int();
        var timings = ReadTimings(r);
        var shards = r.Array(x =>
        {
            int shard = x.Int(), level = x.Int();
            double loss = x.Double();
            int correct = x.Int(), samples = x.Int();
            if (!factored) return new ShardGradient(shard, level, x.FloatArray(), loss, correct, samples);
            int length = x.Int();
            var gradient = x.FloatArrayAfter(length);
            var factors = x.Array(y => new ShardFactors(y.IntArray(), y.FloatArray()));
            return new ShardGradient(shard, level, gradient, loss, correct, samples) { FirstLayer = new FactoredFirstLayer(length, factors) };
        });
        return new GradientsComputed(taskId, version, workerId, shards) { Timings = timings };
    }

    private static LocalStepsDone ReadLocalDone(VectorReader r)
    {
        long taskId = r.Long(), round = r.Long();
        int workerId = r.Int();
        double loss = r.Double();
        int correct = r.Int(), samples = r.Int();
        var timings = ReadTimings(r);
        return new LocalStepsDone(taskId, round, workerId, r.FloatArray(), loss, correct, samples) { Timings = timings };
    }

    private static void Timings(VectorWriter w, TaskTimings t)
    {
        w.Long(t.WaitNs); w.Long(t.MailboxNs); w.Long(t.FaultNs); w.Long(t.ComputeNs); w.Long(t.BusyNs);
        w.Long(t.TaskEncodeNs); w.Long(t.TaskDecodeNs); w.Long(t.TaskBytes);
    }

    private static TaskTimings ReadTimings(VectorReader r) => new(r.Long(), r.Long(), r.Long(), r.Long(), r.Long(), r.Long(), r.Long(), r.Long());

    private static long Floats(float[] a) => 4 + (long)a.Length * sizeof(float);
    private static long Ints(int[] a) => 4 + (long)a.Length * sizeof(int);
}
