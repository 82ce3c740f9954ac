// The portable test files name no test framework: MSTest supplies its namespace as an implicit
// global using in DeviceFirmware.Tests, and nanoFramework's test projects this one.
global using nanoFramework.TestFramework;
