using System.Buffers.Binary;
using System.IO.Compression;

namespace DistNet.Core.Data;

/// <summary>
/// One IDX file (the MNIST format): big-endian int32 magic 0x000008NN — unsigned bytes, NN
/// dimensions — then NN big-endian int32 sizes, then the bytes themselves. Files may be gzipped
/// whatever their name says; the gzip magic 1f 8b decides, because IDX data starts with 00 00.
/// </summary>
internal sealed class IdxFile
{
    public const int ImagesMagic = 0x00000803;
    public const int LabelsMagic = 0x00000801;

    private IdxFile(string path, bool gzipped, byte[] bytes, int[] dimensions)
    {
        Path = path;
        Gzipped = gzipped;
        Bytes = bytes;
        Dimensions = dimensions;
    }

    public string Path { get; }
    public bool Gzipped { get; }
    /// <summary>The whole (decompressed) file; the values start at <see cref="DataOffset"/>.</summary>
    public byte[] Bytes { get; }
    public int[] Dimensions { get; }
    public int DataOffset => 4 + 4 * Dimensions.Length;

    /// <summary>"file, byte offset N", which for a gzipped file counts bytes after decompression.</summary>
    public string At(long offset) => At(Path, Gzipped, offset);

    public static IdxFile Read(string path, int expectedMagic)
    {
        var (bytes, gzipped) = ReadDecompressed(path);
        if (bytes.Length < 4)
            throw new DataException($"{At(path, gzipped, bytes.Length)}: file is truncated, expected a 4-byte IDX magic number");
        int magic = BinaryPrimitives.ReadInt32BigEndian(bytes);
        if (magic != expectedMagic)
            throw new DataException(
                $"{At(path, gzipped, 0)}: expected IDX magic 0x{expectedMagic:X8} ({Describe(expectedMagic)}), found 0x{magic:X8}{Hint(magic)}");

        var dimensions = new int[expectedMagic & 0xFF];
        int headerSize = 4 + 4 * dimensions.Length;
        if (bytes.Length < headerSize)
            throw new DataException(
                $"{At(path, gzipped, bytes.Length)}: file is truncated, expected a {headerSize}-byte header with {dimensions.Length} dimension sizes");
        long valueCount = 1;
        for (int d = 0; d < dimensions.Length; d++)
        {
            dimensions[d] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * d));
            if (dimensions[d] < 0)
                throw new DataException($"{At(path, gzipped, 4 + 4 * d)}: expected a dimension size ≥ 0, found {dimensions[d]}");
            valueCount *= dimensions[d];
        }

        long expectedLength = headerSize + valueCount;
        string shape = string.Join('×', dimensions);
        if (bytes.Length < expectedLength)
            throw new DataException(
                $"{At(path, gzipped, bytes.Length)}: file is truncated, the header declares {shape} values, which need {expectedLength} bytes");
        // Extra bytes mean the header does not describe the data, so nothing after it can be trusted.
        if (bytes.Length > expectedLength)
            throw new DataException(
                $"{At(path, gzipped, expectedLength)}: unexpected data after the {shape} values the header declares, expected the file to end here ({bytes.Length} bytes in all)");
        return new IdxFile(path, gzipped, bytes, dimensions);
    }

    private static (byte[] Bytes, bool Gzipped) ReadDecompressed(string path)
    {
        byte[] raw = File.ReadAllBytes(path);
        if (raw.Length < 2 || raw[0] != 0x1f || raw[1] != 0x8b) return (raw, false);
        try
        {
            // The gzip trailer holds the uncompressed size (mod 4 GiB): with it the output buffer is
            // allocated once at the right size, which is most of what makes Fashion-MNIST load fast.
            int sizeHint = raw.Length >= 18 ? (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(raw.Length - 4)), Array.MaxLength) : 0;
            using var output = new MemoryStream(sizeHint);
            using (var gzip = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress))
                gzip.CopyTo(output);
            byte[] buffer = output.GetBuffer();
            return (buffer.Length == output.Length ? buffer : output.ToArray(), true);
        }
        catch (InvalidDataException e)
        {
            throw new DataException($"{path}: starts with the gzip magic 1f 8b but does not decompress, expected valid gzip data ({e.Message})");
        }
    }

    private static string At(string path, bool gzipped, long offset) =>
        gzipped ? $"{path}, byte offset {offset} (after decompression)" : $"{path}, byte offset {offset}";

    private static string Describe(int magic) => magic switch
    {
        ImagesMagic => "unsigned-byte images, 3 dimensions",
        LabelsMagic => "unsigned-byte labels, 1 dimension",
        _ => $"unsigned bytes, {magic & 0xFF} dimensions",
    };

    // Swapped image and label files are the likely mistake; say so rather than leave a puzzle.
    private static string Hint(int found) => found switch
    {
        ImagesMagic => ", which is an images file",
        LabelsMagic => ", which is a labels file",
        _ when (found >> 8) is >= 0x08 and <= 0x0E && (found >> 16) == 0 => ", an IDX file of another element type or rank",
        _ => ", which is not an IDX file",
    };
}
