using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace DistNet.Cluster.Serialization;

/// <summary>
/// Where <see cref="VectorCodec"/> writes: fields little-endian, arrays as a count and their raw
/// bytes in one block. Counts what it wrote, so a transport can check the announced size.
/// </summary>
public abstract class VectorWriter
{
    public long Written { get; private set; }

    protected abstract void Put(ReadOnlySpan<byte> bytes);

    private void Emit(ReadOnlySpan<byte> bytes) { Put(bytes); Written += bytes.Length; }

    public void Byte(byte v) => Emit([v]);
    public void Int(int v) { Span<byte> s = stackalloc byte[4]; BinaryPrimitives.WriteInt32LittleEndian(s, v); Emit(s); }
    public void Long(long v) { Span<byte> s = stackalloc byte[8]; BinaryPrimitives.WriteInt64LittleEndian(s, v); Emit(s); }
    public void Float(float v) { Span<byte> s = stackalloc byte[4]; BinaryPrimitives.WriteSingleLittleEndian(s, v); Emit(s); }
    public void Double(double v) { Span<byte> s = stackalloc byte[8]; BinaryPrimitives.WriteDoubleLittleEndian(s, v); Emit(s); }

    public void FloatArray(ReadOnlySpan<float> values)
    {
        Int(values.Length);
        Emit(MemoryMarshal.AsBytes(values));
    }

    public void IntArray(int[] values)
    {
        Int(values.Length);
        Emit(MemoryMarshal.AsBytes(values.AsSpan()));
    }
}

/// <summary>Writes into an array of the exact size (the Akka serializer's payload).</summary>
public sealed class ArrayVectorWriter(int size) : VectorWriter
{
    public byte[] Buffer { get; } = GC.AllocateUninitializedArray<byte>(size);

    protected override void Put(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Buffer.AsSpan((int)Written));
}

/// <summary>
/// Writes into a stream (the vector channel's connection, buffered): header fields gather in the
/// stream's buffer, and a vector goes from the float array to the socket without a copy of its own.
/// With a <paramref name="ring"/> (both ends on one host), every block of at least
/// <see cref="SharedSpan.MinBytes"/> is marked: <see cref="SharedSpan.InRing"/> and its position when
/// it went into the ring, <see cref="SharedSpan.Inline"/> and the bytes when the ring had no room.
/// </summary>
internal sealed class StreamVectorWriter(Stream stream, Channel.SharedRing? ring = null) : VectorWriter
{
    /// <summary>How many bytes went through the ring rather than the stream.</summary>
    public long Shared { get; private set; }

    protected override void Put(ReadOnlySpan<byte> bytes)
    {
        if (ring is null || bytes.Length < SharedSpan.MinBytes)
        {
            stream.Write(bytes);
            return;
        }
        long at = ring.TryWrite(bytes);
        if (at < 0)
        {
            stream.WriteByte(SharedSpan.Inline);
            stream.Write(bytes);
            return;
        }
        Span<byte> mark = stackalloc byte[9];
        mark[0] = SharedSpan.InRing;
        BinaryPrimitives.WriteInt64LittleEndian(mark[1..], at);
        stream.Write(mark);
        Shared += bytes.Length;
    }
}

/// <summary>How a vector channel marks a large block when its ends share memory.</summary>
internal static class SharedSpan
{
    /// <summary>Smaller blocks (fields, sample ids) always travel inline, unmarked.</summary>
    public const int MinBytes = 16 * 1024;
    public const byte Inline = 0, InRing = 1;
}
