using System.Buffers.Binary;
using System.IO.Compression;

namespace DistNet.Core.Tests.Data;

/// <summary>Writes IDX files byte by byte, independently of the loader under test.</summary>
internal static class IdxWriter
{
    public static byte[] Images(int rows, int columns, byte[][] images) =>
        Bytes(0x803, [images.Length, rows, columns], images.SelectMany(i => i).ToArray());

    public static byte[] Labels(params byte[] labels) => Bytes(0x801, [labels.Length], labels);

    public static byte[] Bytes(int magic, int[] dimensions, byte[] values)
    {
        var bytes = new byte[4 + 4 * dimensions.Length + values.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (int d = 0; d < dimensions.Length; d++)
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * d), dimensions[d]);
        values.CopyTo(bytes, 4 + 4 * dimensions.Length);
        return bytes;
    }

    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest)) gzip.Write(bytes);
        return output.ToArray();
    }
}
