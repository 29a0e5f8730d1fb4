return DistNet.Cli.CliApp.Run(args, Console.Out, Console.Error);
