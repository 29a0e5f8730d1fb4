using System.Buffers.Binary;
using Akka.Actor;
using Akka.Serialization;
using DistNet.Training.Telemetry;
using DistNet.Training.Workers;

namespace DistNet.Cluster.Serialization;

/// <summary>
/// Serializes the messages that carry weight and gradient vectors as raw little-endian bytes
/// (<see cref="VectorCodec"/>) when they travel inside Akka.Remote. Hyperion handles these too, but
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

    public override int Identifier => Id;

    public override string Manifest(object o) => o is ComputeGradients or GradientsComputed or RunLocalSteps or LocalStepsDone
        ? VectorCodec.ManifestOf(o)!
        : throw new ArgumentException($"{nameof(VectorMessageSerializer)} cannot serialize {o.GetType()}");

    public override byte[] ToBinary(object o)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("raw float vectors are sent little-endian");
        Manifest(o);
        long start = Clock.Now;
        var w = new ArrayVectorWriter(checked((int)(Header + VectorCodec.Size(o))));
        w.Byte(FormatVersion);
        w.Long(0);
        VectorCodec.Write(o, w);
        if (w.Written != w.Buffer.Length) throw new InvalidOperationException("size computed wrongly");
        BinaryPrimitives.WriteInt64LittleEndian(w.Buffer.AsSpan(1), Clock.Ns(start, Clock.Now));
        return w.Buffer;
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        long start = Clock.Now;
        var r = new SpanVectorReader(bytes, manifest);
        byte version = r.Byte();
        if (version != FormatVersion) throw r.Malformed($"format version {version}, expected {FormatVersion}");
        long encodeNs = r.Long();
        var message = VectorCodec.Read(r, manifest);
        return VectorCodec.WithWire(message, new WireInfo(bytes.Length, encodeNs, Clock.Ns(start, Clock.Now)));
    }
}
