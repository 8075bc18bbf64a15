import IPVSCore
import Testing
