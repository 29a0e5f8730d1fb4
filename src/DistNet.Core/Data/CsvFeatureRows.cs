namespace DistNet.Core.Data;

/// <summary>
/// A CSV file of unlabelled samples, as `distnet predict` reads it: a header row, then one
/// sample per row, every field a finite number.
/// </summary>
public static class CsvFeatureRows
{
    public static (float[] Features, int FeatureCount) Load(string path)
    {
        if (!File.Exists(path)) throw new DataException($"{path}: file not found, expected a CSV file with a header row");
        var fields = new List<string>();
        var features = new List<float>();
        string[]? header = null;
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string location = $"{path}, line {lineNumber}";
            CsvFields.Split(line, fields, location);
            if (header is null) { header = fields.ToArray(); continue; }
            if (fields.Count != header.Length)
                throw new DataException($"{location}: expected {header.Length} fields as in the header, found {fields.Count}");
            for (int j = 0; j < fields.Count; j++)
            {
                if (!CsvLabels.TryParse(fields[j], out double value) || !double.IsFinite(value) || !float.IsFinite((float)value))
                    throw new DataException($"{location}, column '{header[j]}': expected a finite number, found '{fields[j]}'");
                features.Add((float)value);
            }
        }
        if (header is null) throw new DataException($"{path}: file is empty, expected a header row and data rows");
        if (features.Count == 0) throw new DataException($"{path}: has a header but no data rows");
        return (features.ToArray(), header.Length);
    }
}
