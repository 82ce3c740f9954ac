// The portable test files name no test framework: MSTest supplies its namespace as an implicit
// global using in DeviceFirmware.Tests.csproj; this file does the same for nanoFramework's
// TestFramework in NFUnitTest.nfproj (the .NET test project leaves this folder out).
global using nanoFramework.TestFramework;
