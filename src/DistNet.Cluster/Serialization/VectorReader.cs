using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Runtime.Serialization;
using DistNet.Core.Linear;

namespace DistNet.Cluster.Serialization;

/// <summary>
/// Where <see cref="VectorCodec"/> reads from: a payload of known length. Every count is checked
/// against the bytes left before anything is allocated, so a malformed or hostile payload is
/// refused with a <see cref="SerializationException"/> naming the message, the offset and the problem.
/// </summary>
public abstract class VectorReader(long length, string manifest)
{
    private long _at;

    public long Length => length;
    private long Left => length - _at;

    /// <summary>Fills <paramref name="into"/> with the next bytes; the count was checked against what is left.</summary>
    protected abstract void Fill(Span<byte> into);

    public SerializationException Malformed(string problem) =>
        new($"malformed vector message '{manifest}' ({length} bytes) at byte {_at}: {problem}");

    private void Take(Span<byte> into)
    {
        if (Left < into.Length) throw Malformed($"needs {into.Length} more bytes, {Left} left");
        Fill(into);
        _at += into.Length;
    }

    public byte Byte() { Span<byte> s = stackalloc byte[1]; Take(s); return s[0]; }
    public int Int() { Span<byte> s = stackalloc byte[4]; Take(s); return BinaryPrimitives.ReadInt32LittleEndian(s); }
    public long Long() { Span<byte> s = stackalloc byte[8]; Take(s); return BinaryPrimitives.ReadInt64LittleEndian(s); }
    public float Float() { Span<byte> s = stackalloc byte[4]; Take(s); return BinaryPrimitives.ReadSingleLittleEndian(s); }
    public double Double() { Span<byte> s = stackalloc byte[8]; Take(s); return BinaryPrimitives.ReadDoubleLittleEndian(s); }

    private int Count(int elementSize)
    {
        int count = Int();
        if (count < 0 || (long)count * elementSize > Left)
            throw Malformed($"announces {count} elements of {elementSize} bytes, {Left} bytes left");
        return count;
    }

    public float[] FloatArray()
    {
        // From the pool: the receiver gives weight and gradient vectors back once it has used them.
        var values = VectorPool.Rent(Count(sizeof(float)));
        Take(MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    /// <summary>
    /// The end of a vector <paramref name="offset"/> + count long, whose first <paramref name="offset"/>
    /// numbers did not travel (they are left as the pool had them, for the receiver to fill in).
    /// </summary>
    public float[] FloatArrayAfter(int offset)
    {
        int count = Count(sizeof(float));
        if (offset < 0 || offset > int.MaxValue - count) throw Malformed($"a vector tail of {count} after {offset} numbers");
        var values = VectorPool.Rent(offset + count);
        Take(MemoryMarshal.AsBytes(values.AsSpan(offset)));
        return values;
    }

    public int[] IntArray()
    {
        var values = GC.AllocateUninitializedArray<int>(Count(sizeof(int)));
        Take(MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    public T[] Array<T>(Func<VectorReader, T> read)
    {
        var items = new T[Count(4)];
        for (int i = 0; i < items.Length; i++) items[i] = read(this);
        return items;
    }

    public void End()
    {
        if (Left != 0) throw Malformed($"{Left} bytes left over");
    }
}

/// <summary>Reads a payload held in memory (the Akka serializer's).</summary>
public sealed class SpanVectorReader(byte[] bytes, string manifest) : VectorReader(bytes.Length, manifest)
{
    private int _at;

    protected override void Fill(Span<byte> into)
    {
        bytes.AsSpan(_at, into.Length).CopyTo(into);
        _at += into.Length;
    }
}

/// <summary>
/// Reads a payload of announced length straight from a stream (the vector channel's connection):
/// a vector goes from the socket into its pooled array without an intermediate buffer.
/// </summary>
internal sealed class StreamVectorReader(Stream stream, long length, string manifest, Channel.SharedRing? ring = null) : VectorReader(length, manifest)
{
    /// <remarks>With a ring, a block of at least <see cref="SharedSpan.MinBytes"/> comes marked (<see cref="StreamVectorWriter"/>).</remarks>
    protected override void Fill(Span<byte> into)
    {
        if (ring is null || into.Length < SharedSpan.MinBytes)
        {
            stream.ReadExactly(into);
            return;
        }
        switch (stream.ReadByte())
        {
            case SharedSpan.Inline:
                stream.ReadExactly(into);
                return;
            case SharedSpan.InRing:
                Span<byte> position = stackalloc byte[8];
                stream.ReadExactly(position);
                ring.Read(BinaryPrimitives.ReadInt64LittleEndian(position), into);
                return;
            case -1:
                throw new EndOfStreamException();
            case var other:
                throw Malformed($"a block marked {other}, neither inline (0) nor in shared memory (1)");
        }
    }
}
