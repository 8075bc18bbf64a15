import IPVSCore
