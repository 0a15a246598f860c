// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {TestBase} from "./TestBase.sol";
import {AirdropDistributor} from "../../src/AirdropDistributor.sol";
import {AirdropDistributorFactory} from "../../src/AirdropDistributorFactory.sol";

/// Creates a distributor either as the full contract or, when `viaClone` is set (by the `*Clone`
/// test contracts in Clone.t.sol), as a factory clone: the same tests then run against both.
abstract contract DistributorDeployer is TestBase {
    bool internal viaClone;
    AirdropDistributorFactory internal factory = new AirdropDistributorFactory();
    uint256 private _salt;

    function _new(IERC20 t, bytes32 r, uint64 s, uint64 dl, address cb, address o, uint16 b, uint64 c, uint64 du)
        internal
        returns (AirdropDistributor)
    {
        if (!viaClone) return new AirdropDistributor(t, r, s, dl, cb, o, b, c, du);
        AirdropDistributorFactory.Params memory p = AirdropDistributorFactory.Params({
            token: address(t),
            merkleRoot: r,
            start: s,
            deadline: dl,
            clawbackTo: cb,
            owner: o,
            unlockedBps: b,
            cliff: c,
            duration: du
        });
        bytes32 salt = bytes32(++_salt);
        // deploy first: a test's expectRevert applies to the next call.
        address d = factory.deploy(p, salt);
        // Under an expected revert the call returns zero: nothing deployed to compare.
        if (d != address(0)) vm.assertEq(d, factory.predict(p, salt), "predicted address");
        return AirdropDistributor(d);
    }
}
