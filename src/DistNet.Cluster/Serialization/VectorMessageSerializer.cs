using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using DistNet.Core.Linear;
using DistNet.Training.Telemetry;
using DistNet.Training.Workers;

namespace DistNet.Cluster.Serialization;

/// <summary>
/// Serializes the messages that carry weight and gradient vectors as raw little-endian bytes:
/// a few header fields, then the floats copied in one block. Hyperion handles these too, but
/// at about 200 MB/s, several milliseconds per vector of a 235k-parameter model, longer than
/// the step it serves. Reading checks every length against the bytes present and refuses a
/// malformed payload with a SerializationException naming the message and the problem.
/// </summary>
/// <remarks>
/// Every payload starts with the format version and the nanoseconds the sender spent encoding it
/// (written last, into its slot in the header). Decoding measures its own time and hands both, with
/// the exact byte count, to the message as its <see cref="WireInfo"/>: that is how the server and the
/// workers learn their serialization costs and byte counts. In-process timestamps (SentAt, RepliedAt)
/// are not carried: another process's clock means nothing here. Answers carry the worker's
/// <see cref="TaskTimings"/> as eight longs.
/// </remarks>
public sealed class VectorMessageSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int Id = 4701;
    private const byte FormatVersion = 3;
    private const int Header = 1 + 8; // version, encoding nanoseconds
    private const int TimingsSize = 8 * 8;
    private const string ComputeManifest = "cg", ComputedManifest = "gc", LocalManifest = "rl", LocalDoneManifest = "ld";

    public override int Identifier => Id;

    public override string Manifest(object o) => o switch
    {
        ComputeGradients => ComputeManifest,
        GradientsComputed => ComputedManifest,
        RunLocalSteps => LocalManifest,
        LocalStepsDone => LocalDoneManifest,
        _ => throw new ArgumentException($"{nameof(VectorMessageSerializer)} cannot serialize {o.GetType()}"),
    };

    public override byte[] ToBinary(object o)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("raw float vectors are sent little-endian");
        long start = Clock.Now;
        switch (o)
        {
            case ComputeGradients m:
            {
                var w = new Writer(Header + 8 + 8 + 4 + 4 + Floats(m.Parameters) + 4 + m.Shards.Sum(s => 4 + Ints(s.Samples)));
                w.Start(); w.Long(m.TaskId); w.Long(m.Version); w.Float(m.Scale); w.Int(m.ShardCount); w.FloatArray(m.Parameters);
                w.Int(m.Shards.Length);
                foreach (var s in m.Shards) { w.Int(s.Shard); w.IntArray(s.Samples); }
                return w.Done(start);
            }
            case GradientsComputed m:
            {
                var w = new Writer(Header + 8 + 8 + 4 + TimingsSize + 4 + m.Shards.Sum(s => 4 + 4 + 8 + 4 + 4 + Floats(s.Gradient)));
                w.Start(); w.Long(m.TaskId); w.Long(m.Version); w.Int(m.WorkerId); w.Timings(m.Timings); w.Int(m.Shards.Length);
                foreach (var s in m.Shards) { w.Int(s.Shard); w.Int(s.Level); w.Double(s.LossSum); w.Int(s.Correct); w.Int(s.Samples); w.FloatArray(s.Gradient); }
                return w.Done(start);
            }
            case RunLocalSteps m:
            {
                var w = new Writer(Header + 8 + 8 + Floats(m.Parameters) + 4 + m.Batches.Sum(Ints));
                w.Start(); w.Long(m.TaskId); w.Long(m.Round); w.FloatArray(m.Parameters);
                w.Int(m.Batches.Length);
                foreach (var b in m.Batches) w.IntArray(b);
                return w.Done(start);
            }
            case LocalStepsDone m:
            {
                var w = new Writer(Header + 8 + 8 + 4 + 8 + 4 + 4 + TimingsSize + Floats(m.Parameters));
                w.Start(); w.Long(m.TaskId); w.Long(m.Round); w.Int(m.WorkerId); w.Double(m.LossSum);
                w.Int(m.Correct); w.Int(m.Samples); w.Timings(m.Timings); w.FloatArray(m.Parameters);
                return w.Done(start);
            }
            default:
                throw new ArgumentException($"{nameof(VectorMessageSerializer)} cannot serialize {o.GetType()}");
        }
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        long start = Clock.Now;
        var r = new Reader(bytes, manifest);
        byte version = r.Byte();
        if (version != FormatVersion) throw r.Malformed($"format version {version}, expected {FormatVersion}");
        long encodeNs = r.Long();
        object message = manifest switch
        {
            ComputeManifest => ReadCompute(ref r),
            ComputedManifest => ReadComputed(ref r),
            LocalManifest => new RunLocalSteps(r.Long(), r.Long(), r.FloatArray(), r.Array(static (ref Reader x) => x.IntArray())),
            LocalDoneManifest => ReadLocalDone(ref r),
            _ => throw new SerializationException($"unknown vector message manifest '{manifest}'"),
        };
        r.End();
        var wire = new WireInfo(bytes.Length, encodeNs, ElapsedNs(start));
        return message switch
        {
            ComputeGradients m => m with { Wire = wire },
            GradientsComputed m => m with { Wire = wire },
            RunLocalSteps m => m with { Wire = wire },
            LocalStepsDone m => m with { Wire = wire },
            _ => message,
        };
    }

    private static long ElapsedNs(long start) => Clock.Ns(start, Clock.Now);

    private static ComputeGradients ReadCompute(ref Reader r)
    {
        long taskId = r.Long(), version = r.Long();
        float scale = r.Float();
        int shardCount = r.Int();
        var parameters = r.FloatArray();
        var shards = r.Array(static (ref Reader x) => new ShardTask(x.Int(), x.IntArray()));
        return new ComputeGradients(taskId, version, parameters, shards, scale, shardCount);
    }

    private static GradientsComputed ReadComputed(ref Reader r)
    {
        long taskId = r.Long(), version = r.Long();
        int workerId = r.Int();
        var timings = r.Timings();
        var shards = r.Array(static (ref Reader x) =>
        {
            int shard = x.Int(), level = x.Int();
            double loss = x.Double();
            int correct = x.Int(), samples = x.Int();
            return new ShardGradient(shard, level, x.FloatArray(), loss, correct, samples);
        });
        return new GradientsComputed(taskId, version, workerId, shards) { Timings = timings };
    }

    private static LocalStepsDone ReadLocalDone(ref Reader r)
    {
        long taskId = r.Long(), round = r.Long();
        int workerId = r.Int();
        double loss = r.Double();
        int correct = r.Int(), samples = r.Int();
        var timings = r.Timings();
        return new LocalStepsDone(taskId, round, workerId, r.FloatArray(), loss, correct, samples) { Timings = timings };
    }

    private static int Floats(float[] a) => 4 + a.Length * sizeof(float);
    private static int Ints(int[] a) => 4 + a.Length * sizeof(int);

    private ref struct Writer(int size)
    {
        private readonly byte[] _buffer = GC.AllocateUninitializedArray<byte>(size);
        private int _at;

        /// <summary>The format version, and room for the encoding time that <see cref="Done"/> fills in.</summary>
        public void Start() { _buffer[_at++] = FormatVersion; _at += 8; }

        public void Timings(TaskTimings t)
        {
            Long(t.WaitNs); Long(t.MailboxNs); Long(t.FaultNs); Long(t.ComputeNs); Long(t.BusyNs);
            Long(t.TaskEncodeNs); Long(t.TaskDecodeNs); Long(t.TaskBytes);
        }
        public void Int(int v) { BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(_at), v); _at += 4; }
        public void Long(long v) { BinaryPrimitives.WriteInt64LittleEndian(_buffer.AsSpan(_at), v); _at += 8; }
        public void Float(float v) { BinaryPrimitives.WriteSingleLittleEndian(_buffer.AsSpan(_at), v); _at += 4; }
        public void Double(double v) { BinaryPrimitives.WriteDoubleLittleEndian(_buffer.AsSpan(_at), v); _at += 8; }

        public void FloatArray(float[] values)
        {
            Int(values.Length);
            MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(_buffer.AsSpan(_at));
            _at += values.Length * sizeof(float);
        }

        public void IntArray(int[] values)
        {
            Int(values.Length);
            MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(_buffer.AsSpan(_at));
            _at += values.Length * sizeof(int);
        }

        public byte[] Done(long start)
        {
            if (_at != _buffer.Length) throw new InvalidOperationException("size computed wrongly");
            BinaryPrimitives.WriteInt64LittleEndian(_buffer.AsSpan(1), ElapsedNs(start));
            return _buffer;
        }
    }

    private delegate T ReadItem<T>(ref Reader reader);

    private ref struct Reader(byte[] bytes, string manifest)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private int _at;

        public SerializationException Malformed(string problem) =>
            new($"malformed vector message '{manifest}' ({_bytes.Length} bytes) at byte {_at}: {problem}");

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count < 0 || _bytes.Length - _at < count) throw Malformed($"needs {count} more bytes, {_bytes.Length - _at} left");
            var span = _bytes.Slice(_at, count);
            _at += count;
            return span;
        }

        public byte Byte() => Take(1)[0];
        public int Int() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));
        public long Long() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));
        public float Float() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));
        public double Double() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

        public TaskTimings Timings() => new(Long(), Long(), Long(), Long(), Long(), Long(), Long(), Long());

        private int Count(int elementSize)
        {
            int count = Int();
            if (count < 0 || (long)count * elementSize > _bytes.Length - _at)
                throw Malformed($"announces {count} elements of {elementSize} bytes, {_bytes.Length - _at} bytes left");
            return count;
        }

        public float[] FloatArray()
        {
            // From the pool: the receiver gives weight and gradient vectors back once it has used them.
            var values = VectorPool.Rent(Count(sizeof(float)));
            Take(values.Length * sizeof(float)).CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
            return values;
        }

        public int[] IntArray()
        {
            var values = GC.AllocateUninitializedArray<int>(Count(sizeof(int)));
            Take(values.Length * sizeof(int)).CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
            return values;
        }

        public T[] Array<T>(ReadItem<T> read)
        {
            var items = new T[Count(4)];
            for (int i = 0; i < items.Length; i++) items[i] = read(ref this);
            return items;
        }

        public void End()
        {
            if (_at != _bytes.Length) throw Malformed($"{_bytes.Length - _at} bytes left over");
        }
    }
}
